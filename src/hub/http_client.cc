#include "hub/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "util/error.h"

namespace hfserve::hub {
namespace {

constexpr std::size_t kMaxErrorBody = 64 * 1024;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlFree {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
  void operator()(char* text) const { curl_free(text); }
};

std::string url_part(CURLU* url, CURLUPart part, unsigned flags) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, flags) != CURLUE_OK) return {};
  std::unique_ptr<char, CurlFree> owned(raw);
  return raw;
}

// Resolves `location` (absolute or relative) against `base`.
std::string resolve_url(const std::string& base, const std::string& location) {
  std::unique_ptr<CURLU, CurlFree> url(curl_url());
  if (curl_url_set(url.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK ||
      curl_url_set(url.get(), CURLUPART_URL, location.c_str(), 0) != CURLUE_OK) {
    throw Error(ErrorCode::kUnavailable, "the Hub redirected to an invalid URL");
  }
  return url_part(url.get(), CURLUPART_URL, 0);
}

struct Transfer {
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  CURL* handle = nullptr;
  bool redirecting = false;
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    transfer->response->headers.clear();  // a new answer (e.g. after 100 Continue)
    return size * count;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name = lower(std::string(line.substr(0, colon)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  transfer->response->headers[std::move(name)] = std::string(value);
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(transfer->handle, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 300 && status < 400) return n;  // a redirect's body is never used
  if (status >= 200 && status < 300 && transfer->request->sink) {
    transfer->response->status = status;
    if (!transfer->request->sink(*transfer->response, std::string_view(data, n))) {
      transfer->response->aborted_by_sink = true;
      return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    return n;
  }
  std::string& body = transfer->response->body;
  if (status >= 200 && status < 300) {
    body.append(data, n);
  } else if (body.size() < kMaxErrorBody) {
    body.append(data, std::min(n, kMaxErrorBody - body.size()));
  }
  return n;
}

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

std::string HttpResponse::header(const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string url_origin(const std::string& url) {
  init_curl_once();
  std::unique_ptr<CURLU, CurlFree> parsed(curl_url());
  if (curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    throw Error(ErrorCode::kInvalidArgument, "'" + url + "' is not a valid URL");
  }
  return lower(url_part(parsed.get(), CURLUPART_SCHEME, 0)) + "://" +
         lower(url_part(parsed.get(), CURLUPART_HOST, 0)) + ":" +
         url_part(parsed.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
}

HttpResponse http_fetch(const HttpRequest& request) {
  init_curl_once();
  HttpResponse response;
  std::string url = request.url;
  for (int hop = 0;; ++hop) {
    std::unique_ptr<CURL, CurlFree> handle(curl_easy_init());
    if (!handle) throw Error(ErrorCode::kInternal, "libcurl could not make a handle");
    Transfer transfer{&request, &response, handle.get()};
    response = HttpResponse{};
    response.redirects = hop;
    response.final_url = url;

    std::unique_ptr<curl_slist, CurlFree> headers;
    auto add_header = [&](const std::string& line) {
      headers.reset(curl_slist_append(headers.release(), line.c_str()));
    };
    for (const auto& [name, value] : request.headers) add_header(name + ": " + value);
    if (request.token != nullptr && url_origin(url) == request.token_origin) {
      add_header("Authorization: Bearer " + request.token->reveal());
    }
    CURL* h = handle.get();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, request.connect_timeout_s);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, request.low_speed_time_s);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "hfserve");
    // Large reads: fewer callbacks and writes for multi-GB weight files (default 16 KiB).
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 1L << 20);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
    char error_buffer[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);

    const CURLcode code = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
    if (code != CURLE_OK) {
      response.transport_error = error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(code);
      if (response.aborted_by_sink) response.transport_error = "aborted by the receiver";
      return response;
    }
    if (!is_redirect(response.status)) return response;
    const std::string location = response.header("location");
    if (location.empty()) return response;
    if (hop >= request.max_redirects) {
      response.transport_error = "too many redirects";
      return response;
    }
    url = resolve_url(url, location);
  }
}

}  // namespace hfserve::hub
