#include "util/file_text.h"

#include <fstream>
#include <sstream>

#include "util/error.h"

namespace hfserve {

std::string read_file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace hfserve
