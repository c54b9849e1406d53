#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/regex.h"

#include <pcre2.h>

#include "util/error.h"

namespace hfserve::tokenizer {
namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof(buffer));
  return reinterpret_cast<const char*>(buffer);
}

// Per-thread JIT stack: the default 32 KiB is too small for long whitespace runs with
// look-ahead, and allocating one per call costs more than the match.
struct JitStack {
  pcre2_jit_stack* stack = pcre2_jit_stack_create(64 * 1024, 8 * 1024 * 1024, nullptr);
  ~JitStack() { pcre2_jit_stack_free(stack); }
};

}  // namespace

struct Regex::Code {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Code() { pcre2_code_free(code); }
};

Regex::Regex(const std::string& pattern) : code_(std::make_unique<Code>()) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  code_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                              PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &error, &offset, nullptr);
  if (code_->code == nullptr) {
    throw Error(ErrorCode::kInvalidArgument, "regex '" + pattern + "' does not compile at offset " +
                                                 std::to_string(offset) + ": " +
                                                 pcre2_message(error));
  }
  code_->jit = pcre2_jit_compile(code_->code, PCRE2_JIT_COMPLETE) == 0;
}

Regex::~Regex() = default;

std::vector<Match> Regex::find_all(std::string_view text) const {
  thread_local JitStack jit_stack;
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
      pcre2_match_data_create_from_pattern(code_->code, nullptr), &pcre2_match_data_free);
  std::unique_ptr<pcre2_match_context, decltype(&pcre2_match_context_free)> context(
      pcre2_match_context_create(nullptr), &pcre2_match_context_free);
  if (code_->jit && jit_stack.stack != nullptr) {
    pcre2_jit_stack_assign(context.get(), nullptr, jit_stack.stack);
  }
  std::vector<Match> out;
  std::size_t last = 0;
  std::size_t pos = 0;
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  while (pos <= text.size()) {
    int rc = pcre2_match(code_->code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, data.get(),
                         context.get());
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      throw Error(ErrorCode::kResourceExhausted, "regex match failed on a " +
                                                     std::to_string(text.size()) +
                                                     "-byte piece: " + pcre2_message(rc));
    }
    PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.get());
    std::size_t start = ovector[0];
    std::size_t end = ovector[1];
    if (start > last) out.push_back({last, start, false});
    out.push_back({start, end, true});
    last = end;
    if (end == start) {
      // An empty match: step over one character so the search moves on.
      if (end >= text.size()) break;
      pos = end + 1;
      while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
    } else {
      pos = end;
    }
  }
  if (last < text.size()) out.push_back({last, text.size(), false});
  return out;
}

}  // namespace hfserve::tokenizer
