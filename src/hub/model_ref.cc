#include "hub/model_ref.h"

#include <cstdio>
#include <string>

#include "util/error.h"

namespace hfserve::hub {
namespace {

constexpr std::size_t kMaxRevisionBytes = 255;
constexpr std::size_t kMaxFilePathBytes = 1024;
constexpr std::size_t kMaxRepoIdBytes = 96;

[[noreturn]] void refuse(std::string message) {
  throw Error(ErrorCode::kInvalidArgument, std::move(message));
}

// Shows a byte string with control characters escaped, so that an error message quoting
// a hostile name cannot itself carry control sequences to a terminal or a log.
std::string printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
      out += buffer;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// printable(text) in single quotes. Built with append: GCC 12 warns wrongly (-Wrestrict)
// about `"'" + std::string(...)`.
std::string quoted(std::string_view text) {
  std::string out = "'";
  out.append(printable(text));
  out.push_back('\'');
  return out;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = text[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != prefix[i]) return false;
  }
  return true;
}

bool ends_with_ci(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         starts_with_ci(text.substr(text.size() - suffix.size()), suffix);
}

// The segment rules shared by revisions and file paths. `what` names the thing in errors.
void check_segments(std::string_view what, std::string_view text, std::size_t max_bytes) {
  if (text.empty()) refuse(what.empty() ? "empty name" : std::string(what) + " is empty");
  if (text.size() > max_bytes) {
    refuse(std::string(what) + " '" + printable(text.substr(0, 64)) + "...' is longer than " +
           std::to_string(max_bytes) + " bytes");
  }
  const std::string shown = quoted(text);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0) refuse(std::string(what) + " " + shown + " contains a NUL byte");
    if (c < 0x20 || c == 0x7f) {
      refuse(std::string(what) + " " + shown + " contains a control character at byte " +
             std::to_string(i));
    }
    if (c == '\\') refuse(std::string(what) + " " + shown + " contains a backslash");
  }
  if (text.front() == '/') refuse(std::string(what) + " " + shown + " is an absolute path");
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = text.find('/', begin);
    const std::string_view segment =
        text.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
    if (segment.empty()) refuse(std::string(what) + " " + shown + " has an empty path segment");
    if (segment == "." || segment == "..") {
      refuse(std::string(what) + " " + shown + " has a '" + std::string(segment) +
             "' segment, which could leave the cache folder");
    }
    if (end == std::string_view::npos) break;
    begin = end + 1;
  }
}

struct Split {
  std::string_view repo;
  std::string_view revision;
  bool has_revision = false;
  std::string_view quant;
  bool has_quant = false;
};

// Prefixed forms (hf://, huggingface:, hf:): `repo`, `repo:REV` or `repo@REV`.
Split split_prefixed(std::string_view text, std::string_view reference) {
  Split split;
  const std::size_t at = text.find('@');
  const std::size_t colon = text.find(':');
  if (at != std::string_view::npos && colon != std::string_view::npos) {
    refuse("model reference '" + printable(reference) +
           "' gives a revision twice ('@' and ':'); use one of them");
  }
  const std::size_t cut = at != std::string_view::npos ? at : colon;
  split.repo = text.substr(0, cut);
  if (cut != std::string_view::npos) {
    split.revision = text.substr(cut + 1);
    split.has_revision = true;
  }
  return split;
}

// Bare form: `repo`, `repo@REV`, `repo:QUANT`, `repo@REV:QUANT`. A git ref name cannot
// hold ':', so the first ':' after the revision starts the quantisation tag.
Split split_bare(std::string_view text) {
  Split split;
  const std::size_t at = text.find('@');
  std::string_view rest;
  if (at != std::string_view::npos) {
    split.repo = text.substr(0, at);
    rest = text.substr(at + 1);
    const std::size_t colon = rest.find(':');
    split.revision = rest.substr(0, colon);
    split.has_revision = true;
    if (colon != std::string_view::npos) {
      split.quant = rest.substr(colon + 1);
      split.has_quant = true;
    }
  } else {
    const std::size_t colon = text.find(':');
    split.repo = text.substr(0, colon);
    if (colon != std::string_view::npos) {
      split.quant = text.substr(colon + 1);
      split.has_quant = true;
    }
  }
  return split;
}

void check_quant(std::string_view quant, std::string_view reference) {
  if (quant.empty()) {
    refuse("model reference '" + printable(reference) +
           "' ends with ':' but names no quantisation (e.g. org/name:Q4_K_M)");
  }
  for (char c : quant) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) {
      refuse("quantisation tag '" + printable(quant) + "' in model reference '" +
             printable(reference) + "' may only hold letters, digits, '_', '-' and '.'");
    }
  }
}

}  // namespace

bool is_commit_hash(std::string_view text) {
  if (text.size() != 40) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void check_revision(std::string_view revision) {
  check_segments("revision", revision, kMaxRevisionBytes);
  for (char c : revision) {
    if (c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' || c == '[') {
      refuse("revision '" + printable(revision) + "' contains '" + std::string(1, c) +
             "', which git does not allow in a branch or tag name");
    }
  }
}

void check_repo_file_path(std::string_view path) {
  check_segments("file name", path, kMaxFilePathBytes);
}

void check_repo_id(std::string_view repo_id) {
  const std::string shown = quoted(repo_id);
  if (repo_id.empty()) refuse("repository id is empty: use org/name");
  if (repo_id.size() > kMaxRepoIdBytes) {
    refuse("repository id " + shown + " is longer than " + std::to_string(kMaxRepoIdBytes) +
           " characters");
  }
  const std::size_t slash = repo_id.find('/');
  if (slash != std::string_view::npos && repo_id.find('/', slash + 1) != std::string_view::npos) {
    refuse("repository id " + shown + " has more than one '/': use org/name");
  }
  auto check_part = [&](std::string_view part) {
    if (part.empty()) refuse("repository id " + shown + " has an empty part: use org/name");
    for (char c : part) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.';
      if (!ok) {
        refuse("repository id " + shown + " contains '" + printable(std::string_view(&c, 1)) +
               "': only letters, digits, '-', '_' and '.' are allowed");
      }
    }
    if (part.front() == '-' || part.front() == '.' || part.back() == '-' || part.back() == '.') {
      refuse("repository id " + shown + " has a part that starts or ends with '-' or '.'");
    }
  };
  if (slash == std::string_view::npos) {
    check_part(repo_id);
  } else {
    check_part(repo_id.substr(0, slash));
    check_part(repo_id.substr(slash + 1));
  }
  if (repo_id.find("--") != std::string_view::npos ||
      repo_id.find("..") != std::string_view::npos) {
    refuse("repository id " + shown + " contains '--' or '..', which the Hub does not allow");
  }
  if (ends_with_ci(repo_id, ".git")) refuse("repository id " + shown + " ends with '.git'");
}

ModelRef parse_model_ref(std::string_view text) {
  const std::string_view reference = text;
  if (text.empty()) refuse("model reference is empty: use org/name, a folder or a .gguf file");
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      refuse("model reference '" + printable(text) + "' contains a control character");
    }
  }

  ModelRef ref;
  Split split;
  if (starts_with_ci(text, "hf://")) {
    split = split_prefixed(text.substr(5), reference);
  } else if (starts_with_ci(text, "huggingface:")) {
    std::string_view rest = text.substr(12);
    if (starts_with_ci(rest, "huggingface.co/")) rest.remove_prefix(15);
    split = split_prefixed(rest, reference);
  } else if (starts_with_ci(text, "hf:")) {
    split = split_prefixed(text.substr(3), reference);
  } else if (text.front() == '/' || text.starts_with("./") || text.starts_with("../") ||
             text == "." || text == ".." || ends_with_ci(text, ".gguf")) {
    ref.kind = ends_with_ci(text, ".gguf") ? ModelRefKind::kLocalGguf : ModelRefKind::kLocalFolder;
    ref.local_path = std::string(text);
    ref.revision.clear();
    return ref;
  } else if (text.find("://") != std::string_view::npos) {
    refuse("model reference '" + printable(text) +
           "' uses a scheme hfserve does not know: use org/name, hf://org/name, "
           "huggingface:org/name, a folder or a .gguf file");
  } else {
    split = split_bare(text);
  }

  try {
    check_repo_id(split.repo);
  } catch (const Error& error) {
    refuse("model reference '" + printable(reference) + "': " + error.message());
  }
  ref.repo_id = std::string(split.repo);
  if (split.has_revision) {
    if (split.revision.empty()) {
      refuse("model reference '" + printable(reference) +
             "' has an empty revision after '@' or ':'");
    }
    try {
      check_revision(split.revision);
    } catch (const Error& error) {
      refuse("model reference '" + printable(reference) + "': " + error.message());
    }
    ref.revision = split.revision == "latest" ? "main" : std::string(split.revision);
    ref.revision_given = true;
  }
  if (split.has_quant) {
    check_quant(split.quant, reference);
    ref.quant = std::string(split.quant);
  }
  return ref;
}

std::string ModelRef::to_string() const {
  if (kind != ModelRefKind::kHub) return local_path;
  std::string out = repo_id;
  if (revision_given) out += "@" + revision;
  if (!quant.empty()) out += ":" + quant;
  // A bare reference ending in ".gguf" reads as a local file; the prefixed form does not.
  if (ends_with_ci(out, ".gguf")) return "hf://" + out;
  return out;
}

std::string url_encode_segment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string url_encode_path(std::string_view path) {
  std::string out;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = path.find('/', begin);
    out += url_encode_segment(
        path.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
    if (end == std::string_view::npos) break;
    out += '/';
    begin = end + 1;
  }
  return out;
}

}  // namespace hfserve::hub
