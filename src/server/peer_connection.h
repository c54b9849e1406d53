// Whether the client of a request in progress has closed its connection, for a handler
// that computes a whole answer before it writes anything (a non-streamed completion):
// cpp-httplib 0.11 tells a handler nothing of its socket (later versions added
// Request::is_connection_closed). The connection's socket is found among the process's
// descriptors by its two addresses, as the request names them, and peeked: a socket whose
// peer has closed reads end-of-file or an error. One per request; not thread-safe.
#pragma once

#include <string>
#include <utility>

namespace hfserve::server {

struct SocketAddresses {
  std::string local_addr;  // numeric host, as getnameinfo(NI_NUMERICHOST) writes it
  int local_port = -1;
  std::string remote_addr;
  int remote_port = -1;
};

class PeerConnection {
 public:
  explicit PeerConnection(SocketAddresses addresses) : addresses_(std::move(addresses)) {}

  // True once the peer has closed (or reset) the connection, or the socket with these
  // addresses is gone. False while it is open, and when no socket has these addresses
  // (a request that did not come over TCP), so that nothing is ever cancelled by mistake.
  bool closed();

 private:
  bool owns(int fd) const;

  SocketAddresses addresses_;
  int fd_ = -1;
  bool searched_ = false;
};

}  // namespace hfserve::server
