#include "server/peer_connection.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>

namespace hfserve::server {
namespace {

using AddressOf = int (*)(int, sockaddr*, socklen_t*);

// The numeric host and port of one end of `fd`, as cpp-httplib writes them.
bool end_of(int fd, AddressOf address_of, std::string& host, int& port) {
  sockaddr_storage storage{};
  socklen_t length = sizeof(storage);
  if (address_of(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return false;
  char name[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<sockaddr*>(&storage), length, name, sizeof(name), service,
                  sizeof(service), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return false;
  }
  host = name;
  port = std::atoi(service);
  return true;
}

}  // namespace

bool PeerConnection::owns(int fd) const {
  std::string host;
  int port = -1;
  return end_of(fd, getsockname, host, port) && port == addresses_.local_port &&
         host == addresses_.local_addr && end_of(fd, getpeername, host, port) &&
         port == addresses_.remote_port && host == addresses_.remote_addr;
}

bool PeerConnection::closed() {
  if (!searched_) {
    searched_ = true;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
      const std::string name = entry.path().filename().string();
      int fd = -1;
      if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc()) continue;
      struct stat info {};
      if (fstat(fd, &info) == 0 && S_ISSOCK(info.st_mode) && owns(fd)) {
        fd_ = fd;
        break;
      }
    }
  }
  if (fd_ < 0) return false;
  // The descriptor may have been closed and reused since: then this connection is gone.
  if (!owns(fd_)) return true;
  char byte = 0;
  const ssize_t n = recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return false;  // a next request already sent on the same connection
  if (n == 0) return true;
  return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

}  // namespace hfserve::server
