#include "pipeline_routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "json_endpoint.h"
#include "twin/core/text.h"

namespace twin::server {
namespace {

using nlohmann::json;

constexpr size_t kPreviewBytes = size_t{64} * 1024;
constexpr size_t kMaxLogBytes = size_t{8} * 1024 * 1024;

json link_to_json(const metadata::StepArtifactLink& link) {
  return {{"name", link.name},
          {"artifact", link.artifact.artifact},
          {"version", link.artifact.version},
          {"artifact_version_id", link.artifact.id},
          {"producer_step_run_id", link.artifact.producer_step_run_id}};
}

// UTF-8 text without control characters other than tab and line breaks.
bool is_printable_utf8(std::string_view text) {
  return is_valid_utf8(text) && std::ranges::none_of(text, [](char c) {
           return static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\r' && c != '\t';
         });
}

Result<json> pipeline_run_details(metadata::MetadataStore& store, tracking::TrackingStore& tracking,
                                  const std::string& id_or_name) {
  TWIN_ASSIGN_OR_RETURN(metadata::RunRecord run, store.get_run(id_or_name));
  TWIN_ASSIGN_OR_RETURN(auto steps, store.list_step_runs(run.id));
  std::map<std::string, std::string> step_of_step_run;
  for (const auto& step : steps) step_of_step_run[step.id] = step.step;
  json steps_json = json::array();
  std::set<std::tuple<std::string, std::string, std::string>> edges;
  for (const auto& step : steps) {
    json item = step;
    TWIN_ASSIGN_OR_RETURN(auto inputs, store.step_inputs(step.id));
    TWIN_ASSIGN_OR_RETURN(auto outputs, store.step_outputs(step.id));
    item["inputs"] = json::array();
    for (const auto& input : inputs) {
      item["inputs"].push_back(link_to_json(input));
      // The producer may be a step of an earlier run (a cache hit); edges stay within this run.
      if (auto it = step_of_step_run.find(input.artifact.producer_step_run_id);
          it != step_of_step_run.end()) {
        edges.insert({it->second, step.step, input.artifact.artifact});
      }
    }
    item["outputs"] = json::array();
    for (const auto& output : outputs) item["outputs"].push_back(link_to_json(output));
    steps_json.push_back(std::move(item));
  }
  // Cached steps reuse outputs produced by an earlier run; link consumers to the step of this
  // run that output the same artifact version.
  std::map<std::string, std::string> step_outputting_version;
  for (const auto& item : steps_json) {
    for (const auto& output : item["outputs"]) {
      step_outputting_version[output["artifact_version_id"]] = item["step"];
    }
  }
  for (const auto& item : steps_json) {
    for (const auto& input : item["inputs"]) {
      if (auto it = step_outputting_version.find(input["artifact_version_id"]);
          it != step_outputting_version.end()) {
        edges.insert({it->second, item["step"], input["artifact"]});
      }
    }
  }
  json edges_json = json::array();
  for (const auto& [from, to, artifact] : edges) {
    edges_json.push_back({{"from", from}, {"to", to}, {"artifact", artifact}});
  }
  TWIN_ASSIGN_OR_RETURN(auto tracker_runs, tracking.runs_of_pipeline_run(run.id));
  return json{
      {"run", run}, {"steps", steps_json}, {"edges", edges_json}, {"tracker_runs", tracker_runs}};
}

std::filesystem::path local_path(const std::string& uri) {
  constexpr std::string_view kFile = "file://";
  return uri.starts_with(kFile) ? std::filesystem::path(uri.substr(kFile.size()))
                                : std::filesystem::path(uri);
}

void add_pipeline_endpoints(httplib::Server& server, metadata::MetadataStore& store,
                            tracking::TrackingStore& tracking) {
  add_json_endpoint(server, "GET", "/api/twin/pipelines",
                    [&store](const json&, const httplib::Request&) -> Result<json> {
                      metadata::RunFilter filter;
                      filter.limit = 100000;
                      TWIN_ASSIGN_OR_RETURN(auto runs, store.list_runs(filter));
                      std::map<std::string, json> pipelines;
                      for (const auto& run : runs) {  // newest first
                        json& entry = pipelines[run.pipeline];
                        if (entry.is_null())
                          entry = {{"name", run.pipeline}, {"run_count", 0}, {"last_run", run}};
                        entry["run_count"] = entry["run_count"].get<int>() + 1;
                      }
                      json out = json::array();
                      for (auto& [name, entry] : pipelines) out.push_back(std::move(entry));
                      return json{{"available", true}, {"pipelines", out}};
                    });
  add_json_endpoint(server, "GET", "/api/twin/pipeline-runs",
                    [&store](const json& f, const httplib::Request&) -> Result<json> {
                      metadata::RunFilter filter;
                      filter.pipeline = optional_string(f, "pipeline");
                      TWIN_ASSIGN_OR_RETURN(auto limit, optional_int64(f, "limit"));
                      filter.limit =
                          static_cast<int>(std::clamp<int64_t>(limit.value_or(100), 1, 10000));
                      TWIN_ASSIGN_OR_RETURN(auto runs, store.list_runs(filter));
                      return json{{"runs", runs}};
                    });
  add_json_endpoint(server, "GET", R"(/api/twin/pipeline-runs/([^/]+))",
                    [&store, &tracking](const json&, const httplib::Request& request) {
                      return pipeline_run_details(store, tracking, request.matches[1].str());
                    });
  server.Get(R"(/api/twin/pipeline-runs/([^/]+)/steps/([^/]+)/logs)",
             [&store](const httplib::Request& request, httplib::Response& response) {
               auto run = store.get_run(request.matches[1].str());
               if (!run) {
                 write_error(response, run.error());
                 return;
               }
               auto steps = store.list_step_runs(run->id);
               if (!steps) {
                 write_error(response, steps.error());
                 return;
               }
               for (const auto& step : *steps) {
                 if (step.step != request.matches[2].str()) continue;
                 std::ifstream in(local_path(step.log_uri), std::ios::binary);
                 std::string text(kMaxLogBytes, '\0');
                 in.read(text.data(), static_cast<std::streamsize>(text.size()));
                 text.resize(static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
                 response.set_content(text, "text/plain; charset=utf-8");
                 return;
               }
               write_error(response,
                           Status::not_found(fmt::format("run '{}' has no step '{}'", run->name,
                                                         request.matches[2].str())));
             });
}

void add_artifact_endpoints(httplib::Server& server, metadata::MetadataStore& store,
                            artifacts::ArtifactStore* blobs) {
  add_json_endpoint(
      server, "GET", "/api/twin/artifacts",
      [&store](const json& f, const httplib::Request&) -> Result<json> {
        const auto name = optional_string(f, "name");
        TWIN_ASSIGN_OR_RETURN(
            auto artifacts,
            store.list_artifacts(name ? std::optional<std::string_view>(*name) : std::nullopt));
        json out = json::array();
        for (const auto& a : artifacts) {
          out.push_back({{"name", a.name}, {"versions", a.versions}, {"latest", a.latest}});
        }
        return json{{"available", true}, {"artifacts", out}};
      });
  add_json_endpoint(server, "GET", R"(/api/twin/artifacts/([^/]+)/versions/(\d+))",
                    [&store, blobs](const json&, const httplib::Request& request) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(
                          auto version,
                          store.get_artifact_version(request.matches[1].str(),
                                                     std::stoll(request.matches[2].str())));
                      json out = {{"version", version}};
                      if (!version.producer_step_run_id.empty()) {
                        if (auto producer = store.get_step_run(version.producer_step_run_id)) {
                          out["producer"] = *producer;
                          if (auto run = store.get_run(producer->run_id))
                            out["producer_run"] = *run;
                        }
                      }
                      TWIN_ASSIGN_OR_RETURN(auto consumers, store.consumers(version.id));
                      out["consumers"] = consumers;
                      if (blobs != nullptr) {
                        if (auto bytes = blobs->get_bytes(version.content_hash)) {
                          if (auto preview = text_preview(*bytes, kPreviewBytes)) {
                            out["preview"] = *preview;
                            out["preview_truncated"] = bytes->size() > preview->size();
                          }
                        }
                      }
                      return out;
                    });
  server.Get(R"(/api/twin/artifacts/([^/]+)/versions/(\d+)/download)",
             [&store, blobs](const httplib::Request& request, httplib::Response& response) {
               auto version = store.get_artifact_version(request.matches[1].str(),
                                                         std::stoll(request.matches[2].str()));
               if (!version) {
                 write_error(response, version.error());
                 return;
               }
               if (blobs == nullptr) {
                 write_error(response, Status::unavailable("this server has no artifact store"));
                 return;
               }
               // The blob is named by its content hash from the metadata store, never by a path
               // from the request, so a download cannot leave the store.
               auto bytes = blobs->get_bytes(version->content_hash);
               if (!bytes) {
                 write_error(response, bytes.error());
                 return;
               }
               response.set_header("Content-Disposition",
                                   fmt::format("attachment; filename=\"{}-v{}\"", version->artifact,
                                               version->version));
               response.set_content(*bytes, "application/octet-stream");
             });
}

}  // namespace

std::optional<std::string> text_preview(std::string_view bytes, size_t limit) {
  std::string_view head = bytes.substr(0, limit);
  // Do not cut a UTF-8 sequence in half.
  while (!head.empty() && head.size() < bytes.size() &&
         (static_cast<unsigned char>(bytes[head.size()]) >> 6) == 0x2) {
    head.remove_suffix(1);
  }
  if (!is_printable_utf8(head)) return std::nullopt;
  return std::string(head);
}

void add_pipeline_routes(httplib::Server& server, const ServerStores& stores) {
  if (stores.metadata == nullptr) {
    for (const std::string what : {"pipelines", "artifacts"}) {
      add_json_endpoint(
          server, "GET", "/api/twin/" + what,
          [what](const json&, const httplib::Request&) -> Result<json> {
            return json{
                {"available", false},
                {"reason", fmt::format("this twin server has no metadata store, so no {}", what)}};
          });
    }
    return;
  }
  add_pipeline_endpoints(server, *stores.metadata, *stores.tracking);
  add_artifact_endpoints(server, *stores.metadata, stores.artifacts);
}

}  // namespace twin::server
