// The config file (app/config_file.h, config_apply.h, secret_refs.h) on files written
// here, each expectation read off the YAML text by hand; tests/app/config_yaml_check.py
// compares the same reading with PyYAML's on the YAML edge cases, and tests/app's
// config_* ctest entries run the real binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "app/config_apply.h"
#include "app/config_file.h"
#include "app/secret_refs.h"
#include "util/error.h"

namespace hfserve::app {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSecret = "hf_configSecretDoNotLeak42";

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hfserve_config_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    // A command shaped like `hfserve serve`: a positional, each kind of option, a switch,
    // a list, a checked range, an option with two names, and a global option.
    root_.add_option("--log_level", log_level_);
    serve_ = root_.add_subcommand("serve");
    serve_->add_option("model", model_);
    serve_->add_option("--config", config_);
    serve_->add_option("--host", host_);
    serve_->add_option("--http_port,--port", port_)->check(CLI::Range(0, 65535));
    serve_->add_option("--max_model_len", max_model_len_);
    serve_->add_option("--max_num_seqs", max_num_seqs_)->check(CLI::Range(1, 4096));
    serve_->add_option("--memory_utilization", memory_utilization_);
    serve_->add_option("--model_name", model_names_);
    serve_->add_option("--hf_token", hf_token_);
    serve_->add_option("--api_key", api_key_);
    serve_->add_flag("--offline", offline_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  hub::EnvLookup env() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars_.find(name);
      if (it == vars_.end()) return std::nullopt;
      return it->second;
    };
  }
  ConfigFile parse(const std::string& yaml) { return parse_config(yaml, "hfserve.yaml", env()); }
  // Parses `argv` as the command line, then applies `yaml`.
  AppliedConfig apply(const std::string& yaml, std::vector<std::string> argv = {"serve"}) {
    std::reverse(argv.begin(), argv.end());
    root_.parse(argv);
    return apply_config(parse(yaml), *serve_);
  }
  // The message of the Error that applying `yaml` throws.
  std::string error_of(const std::string& yaml) {
    try {
      apply(yaml);
    } catch (const Error& error) {
      return error.message();
    }
    ADD_FAILURE() << "accepted:\n" << yaml;
    return "";
  }

  fs::path dir_;
  std::map<std::string, std::string> vars_;
  CLI::App root_{"a command like hfserve's", "hfserve"};
  CLI::App* serve_ = nullptr;
  std::string log_level_ = "info", model_ = "demo", config_, host_ = "127.0.0.1";
  int port_ = 8080;
  std::size_t max_model_len_ = 0, max_num_seqs_ = 64;
  double memory_utilization_ = 0.3;
  std::vector<std::string> model_names_;
  std::optional<std::string> hf_token_, api_key_;
  bool offline_ = false;
};

TEST_F(ConfigTest, ValuesReachTheirOptions) {
  const AppliedConfig applied = apply(
      "# a comment\n"
      "model: org/name@v1\n"
      "host: 0.0.0.0\n"
      "max-model-len: 4096\n"  // the hyphenated spelling is the same key
      "memory_utilization: 0.5\n"
      "model_name: [a, b]\n"
      "offline: yes\n"
      "log_level: debug\n"
      "port: 9000\n");
  EXPECT_EQ(model_, "org/name@v1");
  EXPECT_EQ(host_, "0.0.0.0");
  EXPECT_EQ(max_model_len_, 4096u);
  EXPECT_DOUBLE_EQ(memory_utilization_, 0.5);
  EXPECT_EQ(model_names_, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(offline_);
  EXPECT_EQ(log_level_, "debug");
  EXPECT_EQ(port_, 9000);
  EXPECT_EQ(applied.applied, 8u);
  EXPECT_EQ(applied.overridden, 0u);
  EXPECT_EQ(applied.origins.at("max_model_len"), "max-model-len in hfserve.yaml line 4");
  EXPECT_EQ(applied.origins.at("http_port"), "port in hfserve.yaml line 9");
}

TEST_F(ConfigTest, TheCommandLineWins) {
  const AppliedConfig applied = apply("max_model_len: 4096\nmodel_name:\n  - a\n  - b\nhost: h\n",
                                      {"serve", "--max_model_len", "128", "--model_name", "c"});
  EXPECT_EQ(max_model_len_, 128u);
  EXPECT_EQ(model_names_, std::vector<std::string>{"c"});
  EXPECT_EQ(host_, "h");
  EXPECT_EQ(applied.applied, 1u);
  EXPECT_EQ(applied.overridden, 2u);
}

TEST_F(ConfigTest, AnEmptyFileSetsNothing) {
  EXPECT_EQ(apply("").applied, 0u);
  EXPECT_EQ(apply("# only a comment\n---\n").applied, 0u);
  EXPECT_EQ(max_model_len_, 0u);
}

TEST_F(ConfigTest, UnknownKeysNameTheLineAndTheCloseKeys) {
  EXPECT_EQ(error_of("host: h\nmax_model_length: 4096\n"),
            "hfserve.yaml line 2: unknown key 'max_model_length' for `hfserve serve`; did you "
            "mean max_model_len? (the keys are the long option names of `hfserve serve --help`)");
  EXPECT_THAT(error_of("\n\nmodel_names: [a]\n"),
              AllOf(HasSubstr("line 3: unknown key 'model_names'"), HasSubstr("model_name")));
  EXPECT_THAT(error_of("xyzzy: 1\n"),
              AllOf(HasSubstr("line 1: unknown key 'xyzzy'"), Not(HasSubstr("did you mean"))));
  EXPECT_THAT(error_of("config: other.yaml\n"),
              HasSubstr("line 1: config cannot be set in a config file"));
}

TEST_F(ConfigTest, WrongValuesNameTheKeyAndLine) {
  EXPECT_THAT(error_of("host: h\nmax_model_len: lots\n"),
              AllOf(HasSubstr("hfserve.yaml line 2: max_model_len: 'lots' is not valid")));
  EXPECT_THAT(error_of("max_num_seqs: 0\n"),
              HasSubstr("line 1: max_num_seqs: '0' is not valid: --max_num_seqs: Value 0 not in "
                        "range"));
  EXPECT_EQ(error_of("max_model_len: -1\n"),
            "hfserve.yaml line 1: max_model_len: '-1' is not valid: a count or size cannot be "
            "negative");
  EXPECT_EQ(error_of("host: [a, b]\n"), "hfserve.yaml line 1: host takes one value, not a list");
  EXPECT_THAT(error_of("offline: 'true'\n"),
              HasSubstr("line 1: offline is a switch: write true or false (unquoted)"));
  EXPECT_THAT(error_of("offline: y\n"), HasSubstr("offline is a switch"));
  EXPECT_EQ(error_of("host:\n"),
            "hfserve.yaml line 1: host has no value; give one or remove the key to keep the "
            "default");
  EXPECT_EQ(error_of("a: 1\nhost:\n  name: h\n"),
            "hfserve.yaml line 2: host: expected a value or a list of values, not a mapping");
  EXPECT_THAT(error_of("model_name: []\n"), HasSubstr("line 1: model_name: the list is empty"));
}

TEST_F(ConfigTest, AKeyGivenTwiceUnderAnySpellingIsRefused) {
  EXPECT_EQ(error_of("max_model_len: 1\nmax-model-len: 2\n"),
            "hfserve.yaml line 2: max-model-len sets max_model_len, which max_model_len (line 1) "
            "sets already; keep one");
  EXPECT_EQ(error_of("port: 1\nport: 2\n"),
            "hfserve.yaml line 2: port is given twice (line 1 and here); keep one");
  EXPECT_THAT(error_of("port: 1\nhttp_port: 2\n"),
              HasSubstr("line 2: http_port sets http_port, which port (line 1) sets already"));
  EXPECT_THAT(error_of("hf_token: a\ntoken: b\n"),
              HasSubstr("line 2: token sets hf_token, which hf_token (line 1) sets already"));
  EXPECT_THAT(error_of("huggingface_token: a\n\ntoken: b\n"),
              HasSubstr("line 3: token sets hf_token, which huggingface_token (line 1)"));
}

TEST_F(ConfigTest, TokenAliasesSetHfToken) {
  for (const std::string key : {"hf_token", "token", "huggingface_token"}) {
    hf_token_.reset();
    const AppliedConfig applied = apply("\n" + key + ": hf_abc\n");
    EXPECT_EQ(hf_token_, "hf_abc");
    EXPECT_EQ(applied.origins.at("hf_token"), key + " in hfserve.yaml line 2");
  }
}

TEST_F(ConfigTest, FileStructureErrorsNameTheLine) {
  auto parse_error = [&](const std::string& yaml) {
    try {
      parse(yaml);
    } catch (const Error& error) {
      return error.message();
    }
    return std::string("accepted");
  };
  EXPECT_THAT(parse_error("host: h\nmodel_name: [a, b\n"),
              HasSubstr("hfserve.yaml line 3 column 1: not valid YAML"));
  EXPECT_THAT(parse_error("- a\n- b\n"),
              HasSubstr("hfserve.yaml line 1: expected a mapping of option names to values"));
  EXPECT_THAT(parse_error("a: 1\n---\nb: 2\n"), HasSubstr("holds more than one YAML document"));
  // yaml-cpp's LoadAll never ends on this one.
  EXPECT_THAT(parse_error("a: 1\n---\n, x\n"), HasSubstr("hfserve.yaml"));
  EXPECT_THAT(parse_error("[a]: 1\n"), HasSubstr("line 1: a key must be an option name"));
  EXPECT_THAT(parse_error("models: org/a\n"),
              HasSubstr("hfserve.yaml line 1: models: expected a list of models"));
  EXPECT_THAT(parse_error("models: []\n"), HasSubstr("line 1: models: expected a list"));
  EXPECT_THAT(parse_error("models:\n  - org/a\n"),
              HasSubstr("hfserve.yaml line 2: models: each item is one model, a mapping"));
  EXPECT_THAT(parse_error("models:\n  - {}\n"), HasSubstr("line 2: models: each item"));
  EXPECT_THAT(parse_error("models:\n  - from: [org/a, {x: 1}]\n"),
              HasSubstr("line 2: from: a list item must be a single value"));
  EXPECT_THAT(parse_error("models:\n  - from: a\nmodels:\n  - from: b\n"),
              HasSubstr("line 3: models is given twice (line 1 and here)"));
}

// `models:` is read into one mapping per model, each with its lines; applying the file
// sets the top level only, and a command that serves one model refuses the list.
TEST_F(ConfigTest, ModelsAreReadPerEntry) {
  vars_ = {{"HF_SECRET", kSecret}};
  const ConfigFile file = parse(
      "host: h\n"
      "models:\n"
      "  - name: chat\n"
      "    from: org/a\n"
      "    token: ${env:HF_SECRET}\n"
      "  - {name: [small, s], from: org/b, initial_load: false}\n");
  EXPECT_EQ(file.models_line, 2);
  ASSERT_EQ(file.entries.size(), 1u);
  ASSERT_EQ(file.models.size(), 2u);
  EXPECT_EQ(file.models[0].line, 3);
  ASSERT_EQ(file.models[0].entries.size(), 3u);
  EXPECT_EQ(file.models[0].entries[1].key, "from");
  EXPECT_EQ(file.models[0].entries[1].values, std::vector<std::string>{"org/a"});
  EXPECT_EQ(file.models[0].entries[2].line, 5);
  EXPECT_TRUE(file.models[0].entries[2].secret);
  EXPECT_EQ(file.models[0].entries[2].values.front(), kSecret);
  EXPECT_EQ(file.models[1].line, 6);
  EXPECT_EQ(file.models[1].entries[0].values, (std::vector<std::string>{"small", "s"}));
  EXPECT_TRUE(file.models[1].entries[2].plain);

  root_.parse(std::vector<std::string>{"serve"});
  ApplyOptions options;
  options.models_allowed = true;
  const AppliedConfig applied = apply_config(file, *serve_, options);
  EXPECT_EQ(host_, "h");
  EXPECT_EQ(applied.applied, 1u);
  ASSERT_EQ(applied.models.size(), 2u);
  EXPECT_EQ(applied.models[1].line, 6);

  // An entry is applied to options of its own: under its aliases, with what the command
  // line set winning, and messages that say what the keys are for.
  CLI::App entry{"entry"};
  std::string from, name;
  std::size_t len = 0;
  entry.add_option("model", from);
  entry.add_option("--model_name", name);
  entry.add_option("--max_model_len", len);
  entry.parse(std::vector<std::string>{});
  ApplyOptions entry_options;
  entry_options.aliases = {{"name", "model_name"}, {"from", "model"}};
  entry_options.command_line = {"max_model_len"};
  entry_options.scope = "a model in models:";
  entry_options.keys_hint = "the keys of a model";
  const AppliedConfig one =
      apply_config(parse("models:\n  - {name: a, from: org/a, max_model_len: 64}\n").models[0],
                   entry, entry_options);
  EXPECT_EQ(from, "org/a");
  EXPECT_EQ(name, "a");
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(one.overridden, 1u);
  try {
    apply_config(parse("models:\n  - from: a\n    hots: h\n").models[0], entry, entry_options);
    ADD_FAILURE() << "accepted an unknown key";
  } catch (const Error& error) {
    EXPECT_THAT(error.message(), HasSubstr("hfserve.yaml line 3: unknown key 'hots' for a model "
                                           "in models: (the keys of a model)"));
  }
  EXPECT_THAT(error_of("host: h\n\nmodels:\n  - from: org/a\n"),
              HasSubstr("hfserve.yaml line 3: models: (several models in one process) is for "
                        "`hfserve serve`"));
}

TEST_F(ConfigTest, SecretReferencesAreSubstitutedAndNeverShown) {
  vars_ = {{"HF_SECRET", kSecret}, {"PORT", "9001"}};
  std::ofstream(dir_ / "token") << "\n  " << kSecret << "  \n";
  apply("hf_token: ${env:HF_SECRET}\napi_key: \"${file:" + (dir_ / "token").string() +
        "}\"\nport: ${env:PORT}\nhost: h-${env:PORT}-${env:PORT}\n");
  EXPECT_EQ(hf_token_, kSecret);
  EXPECT_EQ(api_key_, kSecret);
  EXPECT_EQ(port_, 9001);
  EXPECT_EQ(host_, "h-9001-9001");

  vars_ = {{"HF_SECRET", kSecret}};
  const std::string bad_port = error_of("\nport: ${env:HF_SECRET}\n");
  EXPECT_THAT(bad_port, HasSubstr("line 2: port: the value from its secret reference is not "
                                  "valid for --http_port"));
  EXPECT_THAT(error_of("offline: ${env:HF_SECRET}\n"),
              AllOf(HasSubstr("offline is a switch"), Not(HasSubstr(kSecret))));
  EXPECT_THAT(bad_port, Not(HasSubstr(kSecret)));
  EXPECT_THAT(error_of("hf_token: ${env:NOT_SET}\n"),
              HasSubstr("hfserve.yaml line 1: hf_token: ${env:NOT_SET}: the environment "
                        "variable NOT_SET is not set"));
  EXPECT_THAT(error_of("hf_token: ${file:" + (dir_ / "missing").string() + "}\n"),
              AllOf(HasSubstr("line 1: hf_token: ${file:"), HasSubstr("No such file")));
  EXPECT_THAT(error_of("hf_token: ${file:" + dir_.string() + "}\n"),
              HasSubstr("is not a regular file"));
  EXPECT_THAT(error_of("hf_token: ${vault:x}\n"),
              HasSubstr("line 1: hf_token: unknown secret reference ${vault:...}"));
  EXPECT_THAT(error_of("hf_token: ${env:X\n"), HasSubstr("'${' starts a secret reference"));
  EXPECT_THAT(error_of("model_name: [a, '${env:}']\n"), HasSubstr("${env:} names nothing"));
}

TEST(SecretRefsTest, TextWithoutReferencesIsUnchanged) {
  const hub::EnvLookup none = [](const std::string&) { return std::nullopt; };
  const Substituted plain = substitute_secret_refs("a $b {c} $", none);
  EXPECT_EQ(plain.text, "a $b {c} $");
  EXPECT_FALSE(plain.had_reference);
}

}  // namespace
}  // namespace hfserve::app
