#include "twin_routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "json_endpoint.h"
#include "mlflow_json.h"

namespace twin::server {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultMaxPoints = 2000;

void add_tracking_routes(httplib::Server& server, tracking::TrackingStore& store) {
  add_json_endpoint(server, "GET", "/api/twin/experiments",
                    [&store](const json&, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(auto experiments, store.list_experiments());
                      tracking::SearchRunsRequest every_run;
                      every_run.max_results = 1000000;
                      TWIN_ASSIGN_OR_RETURN(auto runs, store.search_runs(every_run));
                      json out = json::array();
                      for (const auto& e : experiments) {
                        json item = to_json(e);
                        item["run_count"] = std::ranges::count_if(runs.runs, [&](const auto& r) {
                          return r.info.experiment_id == e.experiment_id;
                        });
                        out.push_back(std::move(item));
                      }
                      return json{{"experiments", out}};
                    });
  add_json_endpoint(server, "GET", R"(/api/twin/experiments/(\d+)/runs)",
                    [&store](const json& f, const httplib::Request& request) -> Result<json> {
                      tracking::SearchRunsRequest search;
                      search.experiment_ids = {request.matches[1].str()};
                      search.filter = optional_string(f, "filter").value_or("");
                      search.max_results = 100000;
                      TWIN_ASSIGN_OR_RETURN(auto experiment,
                                            store.get_experiment(request.matches[1].str()));
                      TWIN_ASSIGN_OR_RETURN(auto page, store.search_runs(search));
                      json runs = json::array();
                      for (const auto& run : page.runs) runs.push_back(to_json(run));
                      return json{{"experiment", to_json(experiment)}, {"runs", runs}};
                    });
  add_json_endpoint(server, "GET", R"(/api/twin/runs/([0-9a-f]+))",
                    [&store](const json&, const httplib::Request& request) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(auto run, store.get_run(request.matches[1].str()));
                      return json{{"run", to_json(run)}};
                    });
  add_json_endpoint(
      server, "GET", R"(/api/twin/runs/([0-9a-f]+)/metrics/(.+))",
      [&store](const json& f, const httplib::Request& request) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(auto max_points, optional_int64(f, "max_points"));
        TWIN_ASSIGN_OR_RETURN(
            auto history, store.metric_history(request.matches[1].str(), request.matches[2].str()));
        const size_t total = history.size();
        history = downsample(std::move(history), static_cast<size_t>(std::max<int64_t>(
                                                     max_points.value_or(kDefaultMaxPoints), 2)));
        json points = json::array();
        for (const auto& m : history) points.push_back(to_json(m));
        return json{
            {"key", request.matches[2].str()}, {"total_points", total}, {"metrics", points}};
      });
}

json files_to_json(const std::vector<registry::ModelFile>& files) {
  json out = json::array();
  for (const auto& f : files) {
    out.push_back({{"path", f.path}, {"sha256", f.sha256}, {"size", f.size}});
  }
  return out;
}

Result<int64_t> version_number(const std::string& text) {
  int64_t version = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return fail(Status::invalid_argument(fmt::format("version '{}' is not a number", text)));
  }
  return version;
}

void add_registry_routes(httplib::Server& server, registry::ModelRegistry& registry) {
  add_json_endpoint(server, "GET", "/api/twin/models",
                    [&registry](const json&, const httplib::Request&) -> Result<json> {
                      TWIN_ASSIGN_OR_RETURN(auto models, registry.search_models(""));
                      json out = json::array();
                      for (const auto& m : models) out.push_back(to_json(m));
                      return json{{"models", out}};
                    });
  add_json_endpoint(server, "GET", R"(/api/twin/models/([^/]+))",
                    [&registry](const json&, const httplib::Request& request) -> Result<json> {
                      const std::string name = request.matches[1].str();
                      TWIN_ASSIGN_OR_RETURN(auto model, registry.get_model(name));
                      std::string quoted;
                      for (char c : name)
                        quoted += c == '\'' ? std::string("''") : std::string(1, c);
                      TWIN_ASSIGN_OR_RETURN(auto versions,
                                            registry.search_versions("name = '" + quoted + "'"));
                      json items = json::array();
                      for (const auto& v : versions) {
                        json item = to_json(v);
                        item["has_model_card"] = !v.model_card.empty();
                        item["model_card"] = v.model_card;
                        item["files"] = files_to_json(v.files);
                        items.push_back(std::move(item));
                      }
                      return json{{"model", to_json(model)}, {"versions", items}};
                    });
  // The model card: the version's README.md from the artifact store (the database's copy when
  // the registry has no store).
  server.Get(
      R"(/api/twin/models/([^/]+)/versions/(\d+)/README\.md)",
      [&registry](const httplib::Request& request, httplib::Response& response) {
        auto version =
            registry.get_version(request.matches[1].str(), std::stoll(request.matches[2].str()));
        if (!version) {
          write_error(response, version.error());
          return;
        }
        auto card = registry.read_file(version->name, version->version,
                                       std::string(registry::kModelCardFile));
        response.set_content(card ? *card : version->model_card, "text/markdown; charset=utf-8");
      });
  add_json_endpoint(
      server, "PUT", R"(/api/twin/models/([^/]+)/versions/(\d+)/README\.md)",
      [&registry](const json& f, const httplib::Request& request) -> Result<json> {
        TWIN_ASSIGN_OR_RETURN(std::string markdown, required_string(f, "model_card"));
        TWIN_ASSIGN_OR_RETURN(int64_t version, version_number(request.matches[2].str()));
        TWIN_RETURN_IF_ERROR(registry.set_model_card(request.matches[1].str(), version, markdown));
        TWIN_ASSIGN_OR_RETURN(auto updated,
                              registry.get_version(request.matches[1].str(), version));
        json out = to_json(updated);
        out["files"] = files_to_json(updated.files);
        return json{{"model_version", out}};
      });
  // One file of a version, byte for byte (the path is matched after percent-decoding and must
  // be one of the version's recorded files, so it cannot name anything else).
  server.Get(R"(/api/twin/models/([^/]+)/versions/(\d+)/files/(.+))",
             [&registry](const httplib::Request& request, httplib::Response& response) {
               const std::string path = request.matches[3].str();
               auto bytes = registry.read_file(request.matches[1].str(),
                                               std::stoll(request.matches[2].str()), path);
               if (!bytes) {
                 write_error(response, bytes.error());
                 return;
               }
               const std::string base = path.substr(path.rfind('/') + 1);
               response.set_header("Content-Disposition",
                                   fmt::format("attachment; filename=\"{}\"", base));
               response.set_content(*bytes, base.ends_with(".md") ? "text/markdown; charset=utf-8"
                                                                  : "application/octet-stream");
             });
}

}  // namespace

std::vector<tracking::Metric> downsample(std::vector<tracking::Metric> points, size_t max_points) {
  if (points.size() <= max_points || max_points < 2) return points;
  std::vector<tracking::Metric> out;
  out.reserve(max_points);
  const double stride =
      static_cast<double>(points.size() - 1) / static_cast<double>(max_points - 1);
  for (size_t i = 0; i < max_points; ++i) {
    out.push_back(
        std::move(points[static_cast<size_t>(std::lround(static_cast<double>(i) * stride))]));
  }
  return out;
}

void add_twin_routes(httplib::Server& server, const ServerStores& stores) {
  add_json_endpoint(server, "GET", "/api/twin/health",
                    [](const json&, const httplib::Request&) -> Result<json> {
                      return json{{"status", "ok"}};
                    });
  add_tracking_routes(server, *stores.tracking);
  add_registry_routes(server, *stores.registry);
}

}  // namespace twin::server
