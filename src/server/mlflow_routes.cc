#include "mlflow_routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "json_endpoint.h"
#include "mlflow_artifact_routes.h"
#include "mlflow_json.h"
#include "twin/tracking/run_filter.h"

namespace twin::server {
namespace {

using nlohmann::json;
using registry::ModelRegistry;
using tracking::TrackingStore;

const std::string kPrefix = R"((?:/api|/ajax-api)/2\.0/mlflow)";
constexpr int64_t kMaxSearchResults = 50000;

Result<json> empty_response(const Status& status) {
  if (!status.is_ok()) return fail(status);
  return json::object();
}

// experiments/search filters: attribute `name` and tags, with =, !=, LIKE, ILIKE.
Result<std::vector<tracking::Experiment>> filter_experiments(std::vector<tracking::Experiment> all,
                                                             const std::string& filter) {
  TWIN_ASSIGN_OR_RETURN(tracking::RunFilter parsed, tracking::RunFilter::parse(filter));
  for (const auto& clause : parsed.clauses()) {
    const bool ok = std::holds_alternative<std::string>(clause.value) &&
                    (clause.entity == tracking::FilterEntity::kTag ||
                     (clause.entity == tracking::FilterEntity::kAttribute && clause.key == "name"));
    if (!ok) {
      return fail(Status::invalid_argument(
          fmt::format("filter '{}': experiments can be filtered by name and tags only", filter)));
    }
  }
  std::erase_if(all, [&](const tracking::Experiment& e) {
    for (const auto& clause : parsed.clauses()) {
      std::optional<std::string> actual;
      if (clause.entity == tracking::FilterEntity::kAttribute) {
        actual = e.name;
      } else {
        for (const auto& tag : e.tags) {
          if (tag.key == clause.key) actual = tag.value;
        }
      }
      if (!actual) return true;
      const auto& expected = std::get<std::string>(clause.value);
      const bool match = clause.op == "="       ? *actual == expected
                         : clause.op == "!="    ? *actual != expected
                         : clause.op == "LIKE"  ? tracking::like_match(*actual, expected, false)
                         : clause.op == "ILIKE" ? tracking::like_match(*actual, expected, true)
                                                : false;
      if (!match) return true;
    }
    return false;
  });
  return all;
}

Result<tracking::ViewType> view_type_field(const json& fields, std::string_view name) {
  return tracking::parse_view_type(optional_string(fields, name).value_or(""));
}

void add_experiment_routes(httplib::Server& server, TrackingStore& store) {
  add_json_endpoint(server, "POST", kPrefix + "/experiments/create",
                    [&store](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
                      TWIN_ASSIGN_OR_RETURN(auto tags, tags_from_json(f, "tags"));
                      TWIN_ASSIGN_OR_RETURN(
                          std::string id,
                          store.create_experiment(
                              name, optional_string(f, "artifact_location").value_or(""), tags));
                      return json{{"experiment_id", id}};
                    });
  add_json_endpoint(server, "GET", kPrefix + "/experiments/get",
                    [&store](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string id, required_string(f, "experiment_id"));
                      TWIN_ASSIGN_OR_RETURN(auto experiment, store.get_experiment(id));
                      return json{{"experiment", to_json(experiment)}};
                    });
  add_json_endpoint(server, "GET", kPrefix + "/experiments/get-by-name",
                    [&store](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string name,
                                            required_string(f, "experiment_name"));
                      TWIN_ASSIGN_OR_RETURN(auto experiment, store.get_experiment_by_name(name));
                      return json{{"experiment", to_json(experiment)}};
                    });
  const auto search = [&store](const json& f, const httplib::Request&) -> Result<json> {
    TWIN_ASSIGN_OR_RETURN(auto view, view_type_field(f, "view_type"));
    TWIN_ASSIGN_OR_RETURN(auto all, store.list_experiments(view));
    TWIN_ASSIGN_OR_RETURN(
        auto experiments,
        filter_experiments(std::move(all), optional_string(f, "filter").value_or("")));
    TWIN_ASSIGN_OR_RETURN(auto max_results, optional_int64(f, "max_results"));
    TWIN_ASSIGN_OR_RETURN(auto offset, optional_int64(f, "page_token"));
    const size_t start =
        std::min(experiments.size(), static_cast<size_t>(std::max<int64_t>(offset.value_or(0), 0)));
    const size_t end = std::min(experiments.size(),
                                start + static_cast<size_t>(std::clamp<int64_t>(
                                            max_results.value_or(1000), 1, kMaxSearchResults)));
    json out = {{"experiments", json::array()}};
    for (size_t i = start; i < end; ++i) out["experiments"].push_back(to_json(experiments[i]));
    if (end < experiments.size()) out["next_page_token"] = std::to_string(end);
    return out;
  };
  add_json_endpoint(server, "POST", kPrefix + "/experiments/search", search);
  add_json_endpoint(server, "GET", kPrefix + "/experiments/search", search);
  add_json_endpoint(server, "GET", kPrefix + "/experiments/list", search);
  add_json_endpoint(server, "POST", kPrefix + "/experiments/update",
                    [&store](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string id, required_string(f, "experiment_id"));
                      TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "new_name"));
                      return empty_response(store.rename_experiment(id, name));
                    });
  const auto lifecycle = [&store](tracking::LifecycleStage stage) {
    return [&store, stage](const json& f, const httplib::Request&) -> Result<json> {
      TWIN_ASSIGN_OR_RETURN(std::string id, required_string(f, "experiment_id"));
      return empty_response(store.set_experiment_lifecycle(id, stage));
    };
  };
  add_json_endpoint(server, "POST", kPrefix + "/experiments/delete",
                    lifecycle(tracking::LifecycleStage::kDeleted));
  add_json_endpoint(server, "POST", kPrefix + "/experiments/restore",
                    lifecycle(tracking::LifecycleStage::kActive));
  // The npm mlflow client drops the '/' before set-experiment-tag; accept its spelling too.
  for (const std::string path :
       {"/experiments/set-experiment-tag", "/experimentsset-experiment-tag"}) {
    add_json_endpoint(server, "POST", kPrefix + path,
                      [&store](const json& f, const httplib::Request&) -> Result<json> {
                        TWIN_ASSIGN_OR_RETURN(std::string id, required_string(f, "experiment_id"));
                        TWIN_ASSIGN_OR_RETURN(std::string key, required_string(f, "key"));
                        return empty_response(store.set_experiment_tag(
                            id, {key, optional_string(f, "value").value_or("")}));
                      });
  }
}

Status log_batch_checked(TrackingStore& store, const std::string& run_id,
                         const tracking::RunDataBatch& batch) {
  TWIN_RETURN_IF_ERROR(tracking::validate_batch(batch));
  return store.log_batch(run_id, batch);
}

// artifacts/list: the entries directly under `path` of the run's artifact folder (file:// or
// mlflow-artifacts: URIs), each named by its path from the run's root as MLflow does. `path` may
// not leave that folder; other schemes list as empty.
Result<json> list_artifacts(const tracking::Run& run, const std::string& path,
                            const std::filesystem::path& proxy_root) {
  json out = {{"root_uri", run.info.artifact_uri}, {"files", json::array()}};
  auto run_root = local_artifact_location(run.info.artifact_uri, proxy_root);
  if (!run_root) {
    if (run_root.error().code() == StatusCode::kInvalidArgument) return out;  // s3:// etc.
    return fail(run_root.error());
  }
  std::string relative = path;
  while (relative.ends_with('/')) relative.pop_back();
  TWIN_ASSIGN_OR_RETURN(std::filesystem::path folder, resolve_artifact_path(*run_root, relative));
  out["files"] = list_artifact_folder(folder, relative);
  return out;
}

void add_run_routes(httplib::Server& server, TrackingStore& store,
                    const std::filesystem::path& proxy_root) {
  add_json_endpoint(server, "POST", kPrefix + "/runs/create",
                    [&store](const json& f, const httplib::Request&) -> Result<json> {
                      tracking::CreateRunRequest request;
                      request.experiment_id = optional_string(f, "experiment_id").value_or("0");
                      request.run_name = optional_string(f, "run_name").value_or("");
                      request.user_id = optional_string(f, "user_id").value_or("");
                      TWIN_ASSIGN_OR_RETURN(request.start_time_ms, optional_int64(f, "start_time"));
                      TWIN_ASSIGN_OR_RETURN(request.tags, tags_from_json(f, "tags"));
                      TWIN_ASSIGN_OR_RETURN(auto run, store.create_run(request));
                      return json{{"run", to_json(run)}};
                    });
  add_json_endpoint(server, "GET", kPrefix + "/runs/get",
                    [&store](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string id, required_run_id(f));
                      TWIN_ASSIGN_OR_RETURN(auto run, store.get_run(id));
                      return json{{"run", to_json(run)}};
                    });
  add_json_endpoint(server, "POST", kPrefix + "/runs/update",
                    [&store](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string id, required_run_id(f));
                      tracking::UpdateRunRequest request;
                      if (auto status = optional_string(f, "status")) {
                        TWIN_ASSIGN_OR_RETURN(request.status, tracking::parse_run_status(*status));
                      }
                      TWIN_ASSIGN_OR_RETURN(request.end_time_ms, optional_int64(f, "end_time"));
                      request.run_name = optional_string(f, "run_name");
                      TWIN_ASSIGN_OR_RETURN(auto info, store.update_run(id, request));
                      return json{{"run_info", to_json(info)}};
                    });
  const auto lifecycle = [&store](tracking::LifecycleStage stage) {
    return [&store, stage](const json& f, const httplib::Request&) -> Result<json> {
      TWIN_ASSIGN_OR_RETURN(std::string id, required_run_id(f));
      return empty_response(store.set_run_lifecycle(id, stage));
    };
  };
  add_json_endpoint(server, "POST", kPrefix + "/runs/delete",
                    lifecycle(tracking::LifecycleStage::kDeleted));
  add_json_endpoint(server, "POST", kPrefix + "/runs/restore",
                    lifecycle(tracking::LifecycleStage::kActive));
  add_json_endpoint(server, "POST", kPrefix + "/runs/search",
                    [&store](const json& f, const httplib::Request&) -> Result<json> {
                      tracking::SearchRunsRequest request;
                      TWIN_ASSIGN_OR_RETURN(request.experiment_ids,
                                            string_list(f, "experiment_ids"));
                      request.filter = optional_string(f, "filter").value_or("");
                      TWIN_ASSIGN_OR_RETURN(request.view, view_type_field(f, "run_view_type"));
                      TWIN_ASSIGN_OR_RETURN(request.order_by, string_list(f, "order_by"));
                      TWIN_ASSIGN_OR_RETURN(auto max_results, optional_int64(f, "max_results"));
                      request.max_results = static_cast<size_t>(
                          std::clamp<int64_t>(max_results.value_or(1000), 1, kMaxSearchResults));
                      request.page_token = optional_string(f, "page_token").value_or("");
                      TWIN_ASSIGN_OR_RETURN(auto page, store.search_runs(request));
                      json out = {{"runs", json::array()}};
                      for (const auto& run : page.runs) out["runs"].push_back(to_json(run));
                      if (!page.next_page_token.empty())
                        out["next_page_token"] = page.next_page_token;
                      return out;
                    });
  add_json_endpoint(server, "POST", kPrefix + "/runs/log-metric",
                    [&store](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string id, required_run_id(f));
                      json batch_fields = {{"metrics", json::array({f})}};
                      TWIN_ASSIGN_OR_RETURN(auto batch, batch_from_json(batch_fields));
                      return empty_response(log_batch_checked(store, id, batch));
                    });
  add_json_endpoint(server, "POST", kPrefix + "/runs/log-parameter",
                    [&store](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string id, required_run_id(f));
                      TWIN_ASSIGN_OR_RETURN(std::string key, required_string(f, "key"));
                      tracking::RunDataBatch batch;
                      batch.params.push_back({key, optional_string(f, "value").value_or("")});
                      return empty_response(log_batch_checked(store, id, batch));
                    });
  add_json_endpoint(server, "POST", kPrefix + "/runs/set-tag",
                    [&store](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string id, required_run_id(f));
                      TWIN_ASSIGN_OR_RETURN(std::string key, required_string(f, "key"));
                      tracking::RunDataBatch batch;
                      batch.tags.push_back({key, optional_string(f, "value").value_or("")});
                      return empty_response(log_batch_checked(store, id, batch));
                    });
  add_json_endpoint(server, "POST", kPrefix + "/runs/delete-tag",
                    [&store](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string id, required_run_id(f));
                      TWIN_ASSIGN_OR_RETURN(std::string key, required_string(f, "key"));
                      return empty_response(store.delete_tag(id, key));
                    });
  add_json_endpoint(server, "POST", kPrefix + "/runs/log-batch",
                    [&store](const json& f, const httplib::Request& request) -> Result<json> {
                      if (request.body.size() > tracking::kMaxBatchBytes) {
                        return fail(Status::invalid_argument(
                            fmt::format("log-batch request is {} bytes; at most {} are allowed",
                                        request.body.size(), tracking::kMaxBatchBytes)));
                      }
                      TWIN_ASSIGN_OR_RETURN(std::string id, required_run_id(f));
                      TWIN_ASSIGN_OR_RETURN(auto batch, batch_from_json(f));
                      return empty_response(log_batch_checked(store, id, batch));
                    });
  add_json_endpoint(server, "GET", kPrefix + "/metrics/get-history",
                    [&store](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string id, required_run_id(f));
                      TWIN_ASSIGN_OR_RETURN(std::string key, required_string(f, "metric_key"));
                      TWIN_ASSIGN_OR_RETURN(auto history, store.metric_history(id, key));
                      json out = {{"metrics", json::array()}};
                      for (const auto& m : history) out["metrics"].push_back(to_json(m));
                      return out;
                    });
  add_json_endpoint(server, "GET", kPrefix + "/artifacts/list",
                    [&store, proxy_root](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string id, required_run_id(f));
                      TWIN_ASSIGN_OR_RETURN(auto run, store.get_run(id));
                      return list_artifacts(run, optional_string(f, "path").value_or(""),
                                            proxy_root);
                    });
}

Result<int64_t> version_field(const json& f) { return required_int64(f, "version"); }

void add_registered_model_routes(httplib::Server& server, ModelRegistry& registry) {
  const std::string models = kPrefix + "/registered-models";
  add_json_endpoint(
      server, "POST", models + "/create",
      [&registry](const json& f, const httplib::Request&) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
        TWIN_ASSIGN_OR_RETURN(auto tags, tags_from_json(f, "tags"));
        TWIN_ASSIGN_OR_RETURN(
            auto model,
            registry.create_model(name, optional_string(f, "description").value_or(""), tags));
        return json{{"registered_model", to_json(model)}};
      });
  add_json_endpoint(server, "GET", models + "/get",
                    [&registry](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
                      TWIN_ASSIGN_OR_RETURN(auto model, registry.get_model(name));
                      return json{{"registered_model", to_json(model)}};
                    });
  add_json_endpoint(server, "PATCH", models + "/update",
                    [&registry](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
                      TWIN_ASSIGN_OR_RETURN(
                          auto model, registry.update_model(
                                          name, optional_string(f, "description").value_or("")));
                      return json{{"registered_model", to_json(model)}};
                    });
  add_json_endpoint(server, "DELETE", models + "/delete",
                    [&registry](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
                      return empty_response(registry.delete_model(name));
                    });
  add_json_endpoint(server, "GET", models + "/search",
                    [&registry](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(
                          auto found,
                          registry.search_models(optional_string(f, "filter").value_or("")));
                      json out = {{"registered_models", json::array()}};
                      for (const auto& model : found)
                        out["registered_models"].push_back(to_json(model));
                      return out;
                    });
  const auto latest = [&registry](const json& f, const httplib::Request&) -> Result<json> {
    TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
    TWIN_ASSIGN_OR_RETURN(auto stages, string_list(f, "stages"));
    TWIN_ASSIGN_OR_RETURN(auto versions, registry.latest_versions(name, stages));
    json out = {{"model_versions", json::array()}};
    for (const auto& v : versions) out["model_versions"].push_back(to_json(v));
    return out;
  };
  add_json_endpoint(server, "POST", models + "/get-latest-versions", latest);
  add_json_endpoint(server, "GET", models + "/get-latest-versions", latest);
  add_json_endpoint(server, "POST", models + "/set-tag",
                    [&registry](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
                      TWIN_ASSIGN_OR_RETURN(std::string key, required_string(f, "key"));
                      return empty_response(registry.set_model_tag(
                          name, {key, optional_string(f, "value").value_or("")}));
                    });
  add_json_endpoint(server, "DELETE", models + "/delete-tag",
                    [&registry](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
                      TWIN_ASSIGN_OR_RETURN(std::string key, required_string(f, "key"));
                      return empty_response(registry.delete_model_tag(name, key));
                    });
  add_json_endpoint(server, "POST", models + "/alias",
                    [&registry](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
                      TWIN_ASSIGN_OR_RETURN(std::string alias, required_string(f, "alias"));
                      TWIN_ASSIGN_OR_RETURN(int64_t version, version_field(f));
                      return empty_response(registry.set_alias(name, alias, version));
                    });
  add_json_endpoint(server, "DELETE", models + "/alias",
                    [&registry](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
                      TWIN_ASSIGN_OR_RETURN(std::string alias, required_string(f, "alias"));
                      return empty_response(registry.delete_alias(name, alias));
                    });
  add_json_endpoint(server, "GET", models + "/alias",
                    [&registry](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
                      TWIN_ASSIGN_OR_RETURN(std::string alias, required_string(f, "alias"));
                      TWIN_ASSIGN_OR_RETURN(auto version, registry.version_by_alias(name, alias));
                      return json{{"model_version", to_json(version)}};
                    });
}

void add_model_version_routes(httplib::Server& server, ModelRegistry& registry) {
  const std::string versions = kPrefix + "/model-versions";
  add_json_endpoint(server, "POST", versions + "/create",
                    [&registry](const json& f, const httplib::Request&) -> Result<json> {
                      registry::CreateVersionRequest request;
                      TWIN_ASSIGN_OR_RETURN(request.name, required_string(f, "name"));
                      request.source = optional_string(f, "source").value_or("");
                      request.run_id = optional_string(f, "run_id").value_or("");
                      request.run_link = optional_string(f, "run_link").value_or("");
                      request.description = optional_string(f, "description").value_or("");
                      request.model_card = optional_string(f, "model_card").value_or("");
                      TWIN_ASSIGN_OR_RETURN(request.tags, tags_from_json(f, "tags"));
                      TWIN_ASSIGN_OR_RETURN(auto version, registry.create_version(request));
                      return json{{"model_version", to_json(version)}};
                    });
  add_json_endpoint(server, "GET", versions + "/get",
                    [&registry](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
                      TWIN_ASSIGN_OR_RETURN(int64_t version, version_field(f));
                      TWIN_ASSIGN_OR_RETURN(auto found, registry.get_version(name, version));
                      return json{{"model_version", to_json(found)}};
                    });
  add_json_endpoint(
      server, "PATCH", versions + "/update",
      [&registry](const json& f, const httplib::Request&) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
        TWIN_ASSIGN_OR_RETURN(int64_t version, version_field(f));
        TWIN_ASSIGN_OR_RETURN(
            auto updated,
            registry.update_version(name, version, optional_string(f, "description").value_or("")));
        return json{{"model_version", to_json(updated)}};
      });
  add_json_endpoint(server, "DELETE", versions + "/delete",
                    [&registry](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
                      TWIN_ASSIGN_OR_RETURN(int64_t version, version_field(f));
                      return empty_response(registry.delete_version(name, version));
                    });
  add_json_endpoint(server, "GET", versions + "/search",
                    [&registry](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(
                          auto found,
                          registry.search_versions(optional_string(f, "filter").value_or("")));
                      json out = {{"model_versions", json::array()}};
                      for (const auto& v : found) out["model_versions"].push_back(to_json(v));
                      return out;
                    });
  add_json_endpoint(server, "POST", versions + "/transition-stage",
                    [&registry](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
                      TWIN_ASSIGN_OR_RETURN(int64_t version, version_field(f));
                      TWIN_ASSIGN_OR_RETURN(std::string stage, required_string(f, "stage"));
                      TWIN_ASSIGN_OR_RETURN(
                          auto moved, registry.transition_stage(
                                          name, version, stage,
                                          optional_bool(f, "archive_existing_versions", false)));
                      return json{{"model_version", to_json(moved)}};
                    });
  add_json_endpoint(server, "POST", versions + "/set-tag",
                    [&registry](const json& f, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(std::string name, required_string(f, "name"));
                      TWIN_ASSIGN_OR_RETURN(int64_t version, version_field(f));
                      TWIN_ASSIGN_OR_RETURN(std::string key, required_string(f, "key"));
                      return empty_response(registry.set_version_tag(
                          name, version, {key, optional_string(f, "value").value_or("")}));
                    });
}

}  // namespace

void add_mlflow_routes(httplib::Server& server, const ServerStores& stores,
                       const std::filesystem::path& mlflow_artifacts_dir) {
  add_experiment_routes(server, *stores.tracking);
  add_run_routes(server, *stores.tracking, mlflow_artifacts_dir);
  add_registered_model_routes(server, *stores.registry);
  add_model_version_routes(server, *stores.registry);
}

}  // namespace twin::server
