#include "twin/llm_twin/export_artifacts.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <string>
#include <vector>

#include "twin/artifacts/materializers.h"
#include "twin/core/file_io.h"
#include "twin/orchestrator/stores.h"

namespace twin::llm_twin {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using orchestrator::StepContext;

Status export_artifacts(StepContext& ctx) {
  TWIN_ASSIGN_OR_RETURN(auto names, ctx.parameter<std::vector<std::string>>("artifact_names"));
  const Settings* settings = ctx.settings();
  if (settings == nullptr) {
    return Status::failed_precondition(fmt::format(
        "step {}: no settings to open the stores from (run it with `twin pipeline run`)",
        ctx.step_name()));
  }
  TWIN_ASSIGN_OR_RETURN(const std::string output, ctx.parameter<std::string>("output_dir"));
  fs::path output_dir = output;
  if (output_dir.is_relative()) output_dir = settings->root() / output_dir;
  std::error_code ec;
  fs::create_directories(output_dir, ec);
  if (ec) {
    return Status::invalid_argument(
        fmt::format("output_dir {}: {}", output_dir.string(), ec.message()));
  }
  TWIN_ASSIGN_OR_RETURN(auto stores,
                        orchestrator::open_stores(*settings, orchestrator::StoreAccess::kReadOnly));

  json exported = json::array();
  std::vector<std::string> missing;
  for (const std::string& name : names) {
    if (name.empty() || name.find('/') != std::string::npos || name.starts_with(".")) {
      return Status::invalid_argument(
          fmt::format("step {}: artifact name '{}' cannot be a file name in {}", ctx.step_name(),
                      name, output_dir.string()));
    }
    auto version = stores.metadata->get_artifact_version(name, std::nullopt);
    if (!version) {
      if (version.error().code() != StatusCode::kNotFound) return version.error();
      missing.push_back(name);
      continue;
    }
    if (version->materializer != artifacts::kJsonMaterializer) {
      return Status::invalid_argument(fmt::format(
          "step {}: {}@{} is a {} artifact, not JSON: export it with `twin artifacts export {}`",
          ctx.step_name(), name, version->version, version->materializer, name));
    }
    TWIN_ASSIGN_OR_RETURN(json data,
                          artifacts::load_json(*stores.artifacts, version->content_hash));
    const fs::path file = output_dir / (name + ".json");
    const size_t items = data.is_array() ? data.size() : 1;
    TWIN_RETURN_IF_ERROR(write_file_atomically(
        file, json{{"artifact_data", std::move(data)}}.dump(4, ' ', /*ensure_ascii=*/true,
                                                            json::error_handler_t::replace)));
    ctx.logger().info("exported {}@{} ({} items) to {}", name, version->version, items,
                      file.string());
    exported.push_back({{"artifact", name},
                        {"version", version->version},
                        {"items", items},
                        {"file", file.string()}});
  }
  ctx.log_step_metadata({{"exported", exported}, {"missing", missing}});
  TWIN_RETURN_IF_ERROR(ctx.set_output_json("exported_files", exported));
  if (!missing.empty()) {
    return Status::not_found(fmt::format(
        "no artifact named {} in this project (`twin artifacts list` shows the names; twin does "
        "not produce the Handbook's instruct and preference datasets yet); the others were "
        "exported to {}",
        fmt::join(missing, ", "), output_dir.string()));
  }
  return Status::ok();
}

}  // namespace

Status register_export_artifact_to_json(orchestrator::PipelineRegistry& registry) {
  TWIN_RETURN_IF_ERROR(registry.add_step({
      .name = "export_artifacts",
      .version = "1",
      .outputs = {"exported_files"},
      .run = export_artifacts,
      .description = "Writes the latest version of each named JSON artifact to "
                     "<output_dir>/<name>.json as the Handbook does",
      .enable_cache = false,  // its effect is the files it writes
  }));
  return registry.add_pipeline({
      .name = "export_artifact_to_json",
      .parameters = {{"output_dir", "output"}},
      .steps = {{.name = "export_artifacts", .uses = "export_artifacts"}},
      .source = "built-in",
      .description = "The Handbook's export_artifact_to_json: artifacts as JSON files",
  });
}

}  // namespace twin::llm_twin
