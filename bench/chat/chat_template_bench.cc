// Chat template rendering, the per-request cost of the chat pipeline, and parsing (once per
// model load), for the larger real templates over a tool-calling conversation. Each figure
// is printed next to transformers' renderer (jinja2 in HF's sandbox) timed in the same run
// by jinja2_timing.py: counters jinja2_us (its CPU time per call) and speedup (jinja2 / ours, both
// in CPU time).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "chat/model_template.h"
#include "chat/template.h"

namespace {

using Json = nlohmann::ordered_json;

struct Case {
  std::string name;
  std::string source;
  hfserve::chat::ChatInputs inputs;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<Case> load_cases() {
  std::string testdata = HFSERVE_BENCH_TESTDATA;
  Json conversations = hfserve::chat::read_json_file(std::string(HFSERVE_BENCH_SOURCE_DIR) +
                                                     "/tests/chat/conversations.json");
  Json conversation;
  for (const Json& c : conversations["conversations"]) {
    if (c["name"] == "tool_call_roundtrip") conversation = c;
  }
  std::vector<Case> cases;
  auto add = [&](std::string name, std::string source, Json tokens) {
    Case c{std::move(name), std::move(source), {}};
    c.inputs.messages = conversation["messages"];
    c.inputs.tools = conversation["tools"];
    c.inputs.add_generation_prompt = true;
    c.inputs.special_tokens = std::move(tokens);
    cases.push_back(std::move(c));
  };
  hfserve::chat::ModelTemplates qwen3 =
      hfserve::chat::load_model_templates(testdata + "/tokenizers/qwen3");
  add("qwen3", qwen3.select(true), qwen3.special_tokens);
  Json tokens = {{"bos_token", "<s>"}, {"eos_token", "</s>"}};
  for (const char* file :
       {"CohereForAI-c4ai-command-r7b-12-2024-tool_use", "meta-llama-Llama-3.1-8B-Instruct",
        "NousResearch-Hermes-3-Llama-3.1-8B-tool_use"}) {
    add(file, read_text(testdata + "/chat-templates/" + file + ".jinja"), tokens);
  }
  return cases;
}

// The context render_chat builds, as jinja2 is given it.
Json context_of(const Case& c) {
  Json context = c.inputs.special_tokens;
  context["messages"] = c.inputs.messages;
  context["tools"] = *c.inputs.tools;
  context["documents"] = nullptr;
  context["add_generation_prompt"] = c.inputs.add_generation_prompt;
  return context;
}

// Runs jinja2_timing.py once over all cases: name -> {render_us, parse_us}.
Json time_reference(const std::vector<Case>& cases) {
  const char* python = std::getenv("HFSERVE_VENV_PYTHON");
  std::string interpreter = python != nullptr ? python : HFSERVE_BENCH_PYTHON;
  std::string cases_path = "/tmp/hfserve_chat_bench_cases.json";
  Json list = Json::array();
  for (const Case& c : cases)
    list.push_back({{"name", c.name}, {"source", c.source}, {"context", context_of(c)}});
  std::ofstream(cases_path) << list.dump();
  std::string command = interpreter + " " + HFSERVE_BENCH_SOURCE_DIR +
                        "/bench/chat/jinja2_timing.py " + cases_path + " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::string output;
  char buffer[4096];
  while (pipe && std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) output += buffer;
  std::remove(cases_path.c_str());
  if (output.empty()) {
    std::fprintf(stderr, "jinja2 reference timing unavailable (%s)\n", command.c_str());
    return Json::object();
  }
  return Json::parse(output);
}

// CPU time of this thread, in microseconds: comparable with the reference's process CPU
// time on a shared machine, unlike wall time.
double cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

void report(benchmark::State& state, double ours_us, const Json& reference, const char* key) {
  if (!reference.contains(key)) return;
  double theirs = reference[key].get<double>();
  state.counters["jinja2_us"] = theirs;
  state.counters["speedup"] = theirs / ours_us;
}

void render(benchmark::State& state, const Case& c, const Json& reference) {
  hfserve::chat::Template tmpl(c.source);
  hfserve::chat::RenderOptions options;
  options.now = std::chrono::system_clock::time_point();
  std::size_t bytes = 0;
  double start = cpu_us();
  for (auto _ : state) {
    std::string prompt = hfserve::chat::render_chat(tmpl, c.inputs, options);
    bytes = prompt.size();
    benchmark::DoNotOptimize(prompt);
  }
  double us = (cpu_us() - start) / static_cast<double>(state.iterations());
  state.counters["prompt_bytes"] = static_cast<double>(bytes);
  report(state, us, reference, "render_us");
}

void parse(benchmark::State& state, const Case& c, const Json& reference) {
  double start = cpu_us();
  for (auto _ : state) {
    hfserve::chat::Template tmpl(c.source);
    benchmark::DoNotOptimize(tmpl);
  }
  double us = (cpu_us() - start) / static_cast<double>(state.iterations());
  report(state, us, reference, "parse_us");
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  static const std::vector<Case> cases = load_cases();
  static const Json reference = time_reference(cases);
  for (const Case& c : cases) {
    Json ref = reference.contains(c.name) ? reference[c.name] : Json::object();
    benchmark::RegisterBenchmark(("render/" + c.name).c_str(), [&c, ref](benchmark::State& s) {
      render(s, c, ref);
    })->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("parse/" + c.name).c_str(), [&c, ref](benchmark::State& s) {
      parse(s, c, ref);
    })->Unit(benchmark::kMicrosecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
