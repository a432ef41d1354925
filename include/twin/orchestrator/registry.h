// The registry of C++ steps and pipelines, by name.
//
// Another module registers its pipelines with one function, and the twin executable calls it
// with one line in a file of its own (cli/*.cc), because objects of a static library that
// nothing references are not linked:
//
//   // src/llm_twin/pipelines.cc
//   twin::Status register_llm_twin_pipelines(twin::orchestrator::PipelineRegistry& registry) {
//     TWIN_RETURN_IF_ERROR(registry.add_step(get_or_create_user_step()));
//     TWIN_RETURN_IF_ERROR(registry.add_step(crawl_links_step()));
//     return registry.add_pipeline({.name = "digital_data_etl", .steps = {
//         {.name = "get_or_create_user", .uses = "get_or_create_user"},
//         {.name = "crawl_links", .uses = "crawl_links",
//          .inputs = {{"user", "get_or_create_user.user"}}}}});
//   }
//   // cli/llm_twin_pipelines.cc
//   TWIN_REGISTER_PIPELINES(register_llm_twin_pipelines);
//
// Thread-safety: registration happens before main (or in tests before runs start); lookups are
// then read-only and safe from many threads.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "twin/orchestrator/pipeline.h"
#include "twin/orchestrator/step.h"

namespace twin::orchestrator {

class PipelineRegistry {
 public:
  // The process-wide registry, with every TWIN_REGISTER_PIPELINES function applied.
  static PipelineRegistry& global();

  // kAlreadyExists when the name is taken; kInvalidArgument when `run` is empty.
  Status add_step(StepDefinition step);
  // Validated against the steps registered so far; kAlreadyExists when the name is taken.
  Status add_pipeline(PipelineDefinition pipeline);

  const StepDefinition* find_step(std::string_view name) const;
  const PipelineDefinition* find_pipeline(std::string_view name) const;
  std::vector<std::string> step_names() const;
  std::vector<std::string> pipeline_names() const;

 private:
  std::map<std::string, StepDefinition, std::less<>> steps_;
  std::map<std::string, PipelineDefinition, std::less<>> pipelines_;
};

// A registration function; an error it returns is logged when the global registry is built
// and names the failing registration.
using PipelineSetup = Status (*)(PipelineRegistry& registry);

// Queues `setup` to run on the global registry when it is first used.
struct PipelineRegistration {
  explicit PipelineRegistration(PipelineSetup setup);
};

}  // namespace twin::orchestrator

#define TWIN_REGISTER_PIPELINES(setup)                                                 \
  static const ::twin::orchestrator::PipelineRegistration TWIN_CONCAT(twin_pipelines_, \
                                                                      __LINE__)(setup)
