#include "app/config_file.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <sstream>

#include "app/secret_refs.h"
#include "util/error.h"
#include "util/mapped_file.h"

namespace hfserve::app {
namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, where + ": " + what);
}

std::string at_line(const std::string& path, const YAML::Mark& mark) {
  return path + " line " + std::to_string(mark.line + 1);
}

std::string substituted(const ConfigFile& file, ConfigEntry& entry, const std::string& text,
                        const hub::EnvLookup& env) {
  try {
    Substituted value = substitute_secret_refs(text, env);
    entry.secret = entry.secret || value.had_reference;
    return std::move(value.text);
  } catch (const Error& error) {
    fail(file.where(entry), entry.key + ": " + error.message());
  }
}

ConfigEntry read_entry(const ConfigFile& file, const YAML::Node& key, const YAML::Node& value,
                       const hub::EnvLookup& env) {
  ConfigEntry entry;
  entry.line = key.Mark().line + 1;
  if (!key.IsScalar()) {
    fail(file.path + " line " + std::to_string(entry.line),
         "a key must be an option name, not a list or a mapping");
  }
  entry.key = key.Scalar();
  const std::string where = file.where(entry);
  switch (value.Type()) {
    case YAML::NodeType::Scalar:
      entry.plain = value.Tag() == "?";
      entry.values.push_back(substituted(file, entry, value.Scalar(), env));
      break;
    case YAML::NodeType::Sequence:
      entry.is_list = true;
      for (const YAML::Node& item : value) {
        if (!item.IsScalar()) {
          fail(at_line(file.path, item.Mark()),
               entry.key + ": a list item must be a single value, not a list, a mapping or empty");
        }
        entry.values.push_back(substituted(file, entry, item.Scalar(), env));
      }
      if (entry.values.empty()) {
        fail(where, entry.key + ": the list is empty; remove the key to keep the default");
      }
      break;
    case YAML::NodeType::Map:
      fail(where, entry.key + ": expected a value or a list of values, not a mapping");
    default:
      fail(where, entry.key + " has no value; give one or remove the key to keep the default");
  }
  return entry;
}

// Whether `text` holds more than one YAML document. yaml-cpp 0.7's LoadAll loops forever
// on some malformed streams (a ',' at the start of a document after `---` yields empty
// documents without end), so the parser is stepped at most twice here.
bool has_second_document(const std::string& text) {
  struct Ignore : YAML::EventHandler {
    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  } ignore;
  std::istringstream in(text);
  YAML::Parser parser(in);
  return parser.HandleNextDocument(ignore) && parser.HandleNextDocument(ignore);
}

// The keys of one mapping, in order, into `file`.
void read_mapping(ConfigFile& file, const YAML::Node& map, const hub::EnvLookup& env) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    file.entries.push_back(read_entry(file, it->first, it->second, env));
  }
}

// `models:`: a list of mappings, each one model's keys (docs/configuration.md).
void read_models(ConfigFile& file, const YAML::Node& key, const YAML::Node& value,
                 const hub::EnvLookup& env) {
  file.models_line = key.Mark().line + 1;
  const std::string where = file.path + " line " + std::to_string(file.models_line);
  if (!value.IsSequence() || value.size() == 0) {
    fail(where,
         "models: expected a list of models, each a mapping such as `- name: chat` and "
         "`from: org/model` on the next line");
  }
  for (const YAML::Node& item : value) {
    if (!item.IsMap() || item.size() == 0) {
      fail(at_line(file.path, item.Mark()),
           "models: each item is one model, a mapping of its keys (name, from, initial_load "
           "and model options), not a single value, a list or empty");
    }
    ConfigFile model;
    model.path = file.path;
    model.line = item.Mark().line + 1;
    read_mapping(model, item, env);
    file.models.push_back(std::move(model));
  }
}

}  // namespace

std::string ConfigFile::where(const ConfigEntry& entry) const {
  return path + " line " + std::to_string(entry.line);
}

ConfigFile parse_config(std::string_view text, const std::string& path, const hub::EnvLookup& env) {
  ConfigFile file;
  file.path = path;
  const std::string yaml(text);
  YAML::Node root;
  bool several = false;
  try {
    root = YAML::Load(yaml);
    several = has_second_document(yaml);
  } catch (const YAML::Exception& error) {
    fail(at_line(path, error.mark) + " column " + std::to_string(error.mark.column + 1),
         "not valid YAML: " + error.msg);
  }
  if (several) {
    fail(path,
         "holds more than one YAML document (separated by ---); write one mapping of option "
         "names to values");
  }
  if (root.IsNull()) return file;  // nothing set
  if (!root.IsMap()) {
    fail(at_line(path, root.Mark()),
         "expected a mapping of option names to values (`max_model_len: 4096`), found " +
             std::string(root.IsSequence() ? "a list" : "a single value"));
  }
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == "models") {
      if (file.models_line != 0) {
        fail(at_line(path, it->first.Mark()), "models is given twice (line " +
                                                  std::to_string(file.models_line) +
                                                  " and here); keep one list");
      }
      read_models(file, it->first, it->second, env);
    } else {
      file.entries.push_back(read_entry(file, it->first, it->second, env));
    }
  }
  return file;
}

ConfigFile read_config_file(const std::string& path, const hub::EnvLookup& env) {
  const MappedFile file(path);  // its errors name the path and the reason
  return parse_config(std::string_view(reinterpret_cast<const char*>(file.data()), file.size()),
                      path, env);
}

}  // namespace hfserve::app
