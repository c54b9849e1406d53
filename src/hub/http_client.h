// One HTTP GET over libcurl, with the redirect rule the Hub needs: redirects are
// followed here, not by curl, and the bearer token is attached only while the URL's
// origin (scheme, host, port) is the Hub endpoint's. LFS files redirect to a CDN on
// another host, which must never see the token.
//
// No retries here (hub/retry.h decides). Each call uses its own curl handle, so calls
// from several threads are safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/token.h"

namespace hfserve::hub {

struct HttpResponse;
// Receives the body of a 2xx answer as it arrives, with the answer's status and headers;
// returns false to abort the transfer.
using BodySink = std::function<bool(const HttpResponse& head, std::string_view chunk)>;

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Authorization
  const Token* token = nullptr;  // not owned; sent only to `token_origin`
  std::string token_origin;      // origin of the Hub endpoint, see url_origin()
  BodySink sink;                 // when empty, a 2xx body is collected into `body`
  long connect_timeout_s = 10;
  // The transfer fails (transiently) when it moves less than 1 byte/s for this long.
  long low_speed_time_s = 30;
  int max_redirects = 10;
};

struct HttpResponse {
  long status = 0;              // 0 when no HTTP answer arrived
  std::string transport_error;  // curl's description when the exchange failed
  bool aborted_by_sink = false;
  // Headers of the final answer, names lowercased.
  std::map<std::string, std::string> headers;
  std::string final_url;
  // The body of a 2xx answer when there was no sink, or the start (64 KiB) of an error.
  std::string body;
  int redirects = 0;

  std::string header(const std::string& lowercase_name) const;
};

HttpResponse http_fetch(const HttpRequest& request);

// "scheme://host:port" (port made explicit) of an absolute URL; throws
// Error(kInvalidArgument) for a URL curl cannot parse.
std::string url_origin(const std::string& url);

}  // namespace hfserve::hub
