#include "tokenizer/decoders.h"

#include "tokenizer/byte_level.h"
#include "tokenizer/pattern.h"
#include "tokenizer/pre_tokenizers.h"
#include "tokenizer/unicode.h"
#include "util/utf8.h"

namespace hfserve::tokenizer {
namespace {

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  std::string out;
  std::size_t last = 0;
  std::size_t pos = text.find(from);
  while (pos != std::string::npos) {
    out.append(text, last, pos - last);
    out.append(to);
    last = pos + from.size();
    pos = text.find(from, last);
  }
  out.append(text, last, std::string::npos);
  return out;
}

class ByteLevelDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens) {
      std::size_t pos = 0;
      while (pos < token.size()) {
        std::size_t start = pos;
        char32_t cp = utf8::decode(token, pos);
        if (auto b = byte_level::char_to_byte(cp)) {
          bytes.push_back(static_cast<char>(*b));
        } else {
          bytes.append(token, start, pos - start);
        }
      }
    }
    return {unicode::sanitize_utf8(bytes)};
  }
};

class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(char32_t replacement, bool prepend)
      : replacement_(replacement), prepend_(prepend) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      std::size_t pos = 0;
      while (pos < tokens[i].size()) {
        char32_t cp = utf8::decode(tokens[i], pos);
        if (cp == replacement_) {
          if (i == 0 && prepend_) continue;
          out.push_back(' ');
        } else {
          utf8::append(out, cp);
        }
      }
      tokens[i] = std::move(out);
    }
    return tokens;
  }

 private:
  char32_t replacement_;
  bool prepend_;
};

class WordPieceDecoder : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup)
      : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string& token = tokens[i];
      if (i != 0) {
        if (!prefix_.empty() && token.rfind(prefix_, 0) == 0) {
          token.erase(0, prefix_.size());
        } else {
          token = " " + token;
        }
      }
      if (cleanup_) token = cleanup(std::move(token));
    }
    return tokens;
  }

  // HF's cleanup of tokenization spaces around English punctuation and contractions.
  static std::string cleanup(std::string text) {
    static const std::pair<const char*, const char*> kRules[] = {
        {" .", "."},   {" ?", "?"},     {" !", "!"},    {" ,", ","},
        {" ' ", "'"},  {" n't", "n't"}, {" 'm", "'m"},  {" do not", " don't"},
        {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
    for (const auto& [from, to] : kRules) text = replace_all(std::move(text), from, to);
    return text;
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

class BpeDecoder : public Decoder {
 public:
  explicit BpeDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      tokens[i] = replace_all(std::move(tokens[i]), suffix_, i + 1 == tokens.size() ? "" : " ");
    }
    return tokens;
  }

 private:
  std::string suffix_;
};

// Turns runs of <0xXX> tokens back into the bytes they stand for.
class ByteFallbackDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::vector<std::string> out;
    std::string bytes;
    std::size_t count = 0;
    auto flush = [&]() {
      if (count == 0) return;
      if (utf8::is_valid(bytes)) {
        out.push_back(bytes);
      } else {
        for (std::size_t i = 0; i < count; ++i) out.emplace_back("\xEF\xBF\xBD");
      }
      bytes.clear();
      count = 0;
    };
    for (std::string& token : tokens) {
      int value = byte_value(token);
      if (value >= 0) {
        bytes.push_back(static_cast<char>(value));
        ++count;
      } else {
        flush();
        out.push_back(std::move(token));
      }
    }
    flush();
    return out;
  }

 private:
  static int byte_value(const std::string& token) {
    if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>') return -1;
    int value = 0;
    for (int i = 3; i < 5; ++i) {
      char c = token[static_cast<std::size_t>(i)];
      int digit = (c >= '0' && c <= '9')   ? c - '0'
                  : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                  : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                           : -1;
      if (digit < 0) return -1;
      value = value * 16 + digit;
    }
    return value;
  }
};

class FuseDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string all;
    for (const std::string& t : tokens) all += t;
    return {all};
  }
};

class StripDecoder : public Decoder {
 public:
  StripDecoder(char32_t content, std::size_t start, std::size_t stop)
      : content_(content), start_(start), stop_(stop) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::string& token : tokens) {
      std::u32string chars = unicode::to_u32(token);
      std::size_t cut_start = 0;
      while (cut_start < start_ && cut_start < chars.size() && chars[cut_start] == content_) {
        ++cut_start;
      }
      std::size_t cut_stop = 0;
      while (cut_stop < stop_ && cut_stop < chars.size() - cut_start &&
             chars[chars.size() - 1 - cut_stop] == content_) {
        ++cut_stop;
      }
      token = unicode::to_utf8(
          std::u32string_view(chars).substr(cut_start, chars.size() - cut_start - cut_stop));
    }
    return tokens;
  }

 private:
  char32_t content_;
  std::size_t start_;
  std::size_t stop_;
};

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(Pattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::string& token : tokens) {
      std::string out;
      for (const Match& m : pattern_.find(token)) {
        if (m.is_match) {
          out += content_;
        } else {
          out.append(token, m.start, m.end - m.start);
        }
      }
      token = std::move(out);
    }
    return tokens;
  }

 private:
  Pattern pattern_;
  std::string content_;
};

class CtcDecoder : public Decoder {
 public:
  CtcDecoder(std::string pad, std::string delimiter, bool cleanup)
      : pad_(std::move(pad)), delimiter_(std::move(delimiter)), cleanup_(cleanup) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0 && tokens[i] == tokens[i - 1]) continue;  // CTC collapses repeats
      std::string token = replace_all(tokens[i], pad_, "");
      if (cleanup_)
        token = replace_all(WordPieceDecoder::cleanup(std::move(token)), delimiter_, " ");
      if (!token.empty()) out.push_back(std::move(token));
    }
    return out;
  }

 private:
  std::string pad_;
  std::string delimiter_;
  bool cleanup_;
};

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts)
      : parts_(std::move(parts)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (const auto& part : parts_) tokens = part->decode_chain(std::move(tokens));
    return tokens;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

char32_t one_char(const std::string& text, const std::string& where) {
  std::u32string chars = unicode::to_u32(text);
  if (chars.size() != 1)
    json::fail(where, "expected exactly one character, found \"" + text + "\"");
  return chars[0];
}

}  // namespace

std::unique_ptr<Decoder> make_decoder(const json::Json& config, const std::string& where) {
  std::string type = json::type_of(config, where);
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace") {
    return std::make_unique<MetaspaceDecoder>(
        one_char(json::string_or(config, "replacement", where, "\u2581"), where + ".replacement"),
        parse_prepend_scheme(config, where) != PrependScheme::kNever);
  }
  if (type == "WordPiece") {
    return std::make_unique<WordPieceDecoder>(json::string_or(config, "prefix", where, "##"),
                                              json::bool_or(config, "cleanup", where, true));
  }
  if (type == "BPEDecoder") {
    return std::make_unique<BpeDecoder>(json::string_or(config, "suffix", where, "</w>"));
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    std::int64_t start = json::int_or(config, "start", where, 0);
    std::int64_t stop = json::int_or(config, "stop", where, 0);
    if (start < 0 || stop < 0) json::fail(where, "start and stop must not be negative");
    return std::make_unique<StripDecoder>(
        one_char(json::require_string(config, "content", where), where + ".content"),
        static_cast<std::size_t>(start), static_cast<std::size_t>(stop));
  }
  if (type == "Replace") {
    return std::make_unique<ReplaceDecoder>(
        make_pattern(json::require(config, "pattern", where), where + ".pattern"),
        json::require_string(config, "content", where));
  }
  if (type == "CTC") {
    return std::make_unique<CtcDecoder>(json::string_or(config, "pad_token", where, "<pad>"),
                                        json::string_or(config, "word_delimiter_token", where, "|"),
                                        json::bool_or(config, "cleanup", where, true));
  }
  if (type == "Sequence") {
    const json::Json& list = json::require_array(config, "decoders", where);
    std::vector<std::unique_ptr<Decoder>> parts;
    for (std::size_t i = 0; i < list.size(); ++i) {
      parts.push_back(make_decoder(list[i], where + ".decoders[" + std::to_string(i) + "]"));
    }
    return std::make_unique<SequenceDecoder>(std::move(parts));
  }
  json::fail(where, type.empty() ? "missing \"type\"" : "unknown decoder type \"" + type + "\"");
}

}  // namespace hfserve::tokenizer
