// The model registry's contract (pipelines/model_registry.h) with loaders that count their
// calls and hand back runtimes marked by revision: one load however many requests wait for
// it, a failed load told to those that waited and tried again by the next request, a reload
// that keeps the old runtime on failure and frees it once its last holder lets go.
// tests/server/several_models_check.py runs the same through the real binary on real models.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "pipelines/model_registry.h"
#include "util/error.h"

namespace hfserve::pipelines {
namespace {

using ::testing::HasSubstr;

struct Loader {
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};
  std::chrono::milliseconds delay{0};

  ModelSpec spec(std::vector<std::string> names, bool initial_load) {
    ModelSpec spec;
    spec.names = std::move(names);
    spec.reference = "org/" + spec.names.front();
    spec.initial_load = initial_load;
    spec.load = [this](const std::string& revision) {
      ++calls;
      std::this_thread::sleep_for(delay);
      if (fail || revision == "missing") {
        throw Error(ErrorCode::kNotFound, "revision '" + revision + "' does not exist");
      }
      auto runtime = std::make_unique<ModelRuntime>();
      runtime->reference = revision.empty() ? "configured" : revision;
      return runtime;
    };
    return spec;
  }
};

TEST(ModelRegistryTest, FindsModelsByEveryName) {
  Loader a, b;
  ModelRegistry registry({a.spec({"a", "alias"}, true), b.spec({"b"}, false)});
  EXPECT_EQ(registry.find(""), 0u);
  EXPECT_EQ(registry.find("alias"), 0u);
  EXPECT_EQ(registry.find("b"), 1u);
  EXPECT_EQ(registry.find("c"), std::nullopt);
  EXPECT_EQ(registry.all_names(), (std::vector<std::string>{"a", "alias", "b"}));
  try {
    ModelRegistry twice({a.spec({"a"}, true), b.spec({"b", "a"}, true)});
    ADD_FAILURE() << "a name given twice was accepted";
  } catch (const Error& error) {
    EXPECT_THAT(error.message(),
                HasSubstr("the name 'a' is given to model 1 (org/a) and to model 2 (org/b)"));
  }
}

TEST(ModelRegistryTest, InitialModelsLoadAtStartupAndLazyOnesOnFirstUse) {
  Loader eager, lazy;
  lazy.delay = std::chrono::milliseconds(100);
  std::atomic<int> observed{0};
  ModelRegistry registry(
      {eager.spec({"eager"}, true), lazy.spec({"lazy"}, false)},
      [&](const ModelSpec&, auto, const ModelRuntime* loaded, const std::string& error) {
        EXPECT_NE(loaded, nullptr);
        EXPECT_EQ(error, "");
        ++observed;
      });
  EXPECT_FALSE(registry.ready());
  try {
    registry.acquire(0);
    ADD_FAILURE() << "served before its initial load";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
  }
  registry.load_initial();
  EXPECT_TRUE(registry.ready());
  EXPECT_EQ(registry.status(1).state, ModelState::kUnloaded);
  EXPECT_EQ(registry.status(1).runtime, nullptr);

  std::vector<std::thread> requests;
  std::vector<std::shared_ptr<const ModelRuntime>> got(8);
  for (std::size_t i = 0; i < got.size(); ++i) {
    requests.emplace_back([&, i] { got[i] = registry.acquire(1); });
  }
  for (std::thread& t : requests) t.join();
  EXPECT_EQ(lazy.calls, 1);
  EXPECT_EQ(observed, 2);
  for (const auto& runtime : got) EXPECT_EQ(runtime, got.front());
  EXPECT_EQ(registry.status(1).state, ModelState::kReady);
}

TEST(ModelRegistryTest, AFailedLazyLoadIsToldToItsWaitersAndTriedAgainLater) {
  Loader lazy;
  lazy.fail = true;
  lazy.delay = std::chrono::milliseconds(100);
  ModelRegistry registry({lazy.spec({"lazy"}, false)});
  std::atomic<int> failures{0};
  std::vector<std::thread> requests;
  for (int i = 0; i < 4; ++i) {
    requests.emplace_back([&] {
      try {
        registry.acquire(0);
      } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
        EXPECT_THAT(error.message(), HasSubstr("the model 'lazy' could not be loaded: revision"));
        ++failures;
      }
    });
  }
  for (std::thread& t : requests) t.join();
  EXPECT_EQ(failures, 4);
  EXPECT_EQ(lazy.calls, 1);
  EXPECT_EQ(registry.status(0).state, ModelState::kFailed);
  lazy.fail = false;
  EXPECT_NE(registry.acquire(0), nullptr);
  EXPECT_EQ(lazy.calls, 2);
  EXPECT_EQ(registry.status(0).error, "");
}

TEST(ModelRegistryTest, ReloadSwitchesKeepsTheOldOnFailureAndFreesItWhenDrained) {
  Loader loader;
  ModelRegistry registry({loader.spec({"m"}, true)});
  registry.load_initial();
  std::shared_ptr<const ModelRuntime> in_flight = registry.acquire(0);
  EXPECT_EQ(in_flight->reference, "configured");

  registry.reload(0, "v2");
  EXPECT_EQ(registry.acquire(0)->reference, "v2");
  EXPECT_EQ(in_flight->reference, "configured");  // still whole for the request holding it
  EXPECT_EQ(registry.status(0).draining, 1u);
  EXPECT_EQ(registry.status(0).revision, "v2");
  EXPECT_EQ(registry.running().size(), 2u);  // a shutdown reaches the draining one too
  in_flight.reset();
  EXPECT_EQ(registry.status(0).draining, 0u);
  EXPECT_EQ(registry.running().size(), 1u);

  try {
    registry.reload(0, "missing");
    ADD_FAILURE() << "a failed reload did not throw";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kNotFound);
  }
  const ModelStatus status = registry.status(0);
  EXPECT_EQ(status.state, ModelState::kReady);
  EXPECT_EQ(status.revision, "v2");
  EXPECT_THAT(status.error, HasSubstr("'missing' does not exist"));
  EXPECT_EQ(registry.acquire(0)->reference, "v2");

  registry.reload(0, "");  // the revision it serves, again
  EXPECT_EQ(registry.acquire(0)->reference, "v2");
  EXPECT_EQ(registry.status(0).error, "");
}

TEST(ModelRegistryTest, OneLoadOfAModelAtATime) {
  Loader loader;
  ModelRegistry registry({loader.spec({"m"}, true)});
  registry.load_initial();
  loader.delay = std::chrono::milliseconds(300);
  std::thread first([&] { registry.reload(0, "v2"); });
  while (!registry.status(0).reloading) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  try {
    registry.reload(0, "v3");
    ADD_FAILURE() << "a second reload ran beside the first";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kUnavailable);
    EXPECT_THAT(error.message(), HasSubstr("a load of 'm' is already running"));
  }
  EXPECT_EQ(registry.acquire(0)->reference, "configured");  // served while it reloads
  first.join();
  EXPECT_EQ(registry.acquire(0)->reference, "v2");
}

}  // namespace
}  // namespace hfserve::pipelines
