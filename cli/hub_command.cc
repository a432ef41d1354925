// twin hub download REPO [--revision R] [--include GLOB]... [-o DIR] [--repo-type T] [--json]
// twin hub upload REPO PATH [--repo-type dataset] [-m MESSAGE] [--json]
// twin hub ls REPO [--revision R] [--repo-type T] [--json]
//
// Against HF_ENDPOINT (https://huggingface.co by default, or a `twin server`) with HF_TOKEN or
// HUGGINGFACE_ACCESS_TOKEN. Downloads go to the Hugging Face cache (HF_HUB_CACHE, else
// HF_HOME/hub, else ~/.cache/huggingface/hub), where Python tools find them.
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "command.h"
#include "table.h"
#include "twin/hub/hub_client.h"

namespace twin::cli {
namespace {

namespace fs = std::filesystem;

struct HubFlags {
  std::string repo;
  std::string repo_type;
  std::string revision = "main";
  std::vector<std::string> include;
  std::string output;
  std::string path;
  std::string message;
  bool json = false;
};

hub::HubClientOptions client_options(const Settings& settings) {
  hub::HubClientOptions options;
  options.endpoint = settings.value_or("HF_ENDPOINT", "https://huggingface.co");
  options.token = settings.value_or("HF_TOKEN", "");
  if (options.token.empty()) options.token = settings.value_or("HUGGINGFACE_ACCESS_TOKEN", "");
  return options;
}

fs::path cache_dir(const Settings& settings) {
  if (auto cache = settings.get("HF_HUB_CACHE"); cache && !cache->value.empty()) {
    return cache->value;
  }
  if (auto home = settings.get("HF_HOME"); home && !home->value.empty()) {
    return fs::path(home->value) / "hub";
  }
  const char* user_home = std::getenv("HOME");
  return fs::path(user_home != nullptr ? user_home : ".") / ".cache" / "huggingface" / "hub";
}

std::string human_size(uint64_t bytes) {
  if (bytes >= (uint64_t{1} << 30)) return fmt::format("{:.1f} GiB", double(bytes) / (1 << 30));
  if (bytes >= (uint64_t{1} << 20)) return fmt::format("{:.1f} MiB", double(bytes) / (1 << 20));
  if (bytes >= 1024) return fmt::format("{:.1f} KiB", double(bytes) / 1024);
  return fmt::format("{} B", bytes);
}

Result<int> run_download(Context& ctx, const HubFlags& flags) {
  TWIN_ASSIGN_OR_RETURN(auto repo, hub::parse_repo_argument(flags.repo, flags.repo_type));
  hub::HubClient client(client_options(ctx.settings()));
  TWIN_ASSIGN_OR_RETURN(auto result, client.download({.repo = repo,
                                                      .revision = flags.revision,
                                                      .include = flags.include,
                                                      .cache_dir = cache_dir(ctx.settings()),
                                                      .output_dir = flags.output}));
  if (flags.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : result.files) files.push_back({{"path", f.path}, {"size", f.size}});
    fmt::print("{}\n", nlohmann::json{{"repo", repo.key()},
                                      {"commit", result.commit},
                                      {"snapshot", result.snapshot.string()},
                                      {"output", flags.output},
                                      {"bytes_downloaded", result.bytes_downloaded},
                                      {"files", files}}
                           .dump(2));
    return 0;
  }
  if (result.files.empty()) {
    fmt::print(stderr, "twin hub download: no file of {}@{} matches the --include patterns\n",
               repo.key(), result.commit.substr(0, 12));
    return 1;
  }
  fmt::print("{} files of {}@{} ({} downloaded)\n", result.files.size(), repo.key(),
             result.commit.substr(0, 12), human_size(result.bytes_downloaded));
  fmt::print("{}\n", flags.output.empty() ? result.snapshot.string() : flags.output);
  return 0;
}

Result<int> run_upload(Context& ctx, const HubFlags& flags) {
  TWIN_ASSIGN_OR_RETURN(auto repo, hub::parse_repo_argument(flags.repo, flags.repo_type));
  hub::HubClient client(client_options(ctx.settings()));
  TWIN_ASSIGN_OR_RETURN(
      auto result, client.upload({.repo = repo, .path = flags.path, .message = flags.message}));
  if (flags.json) {
    fmt::print("{}\n", nlohmann::json{{"repo", repo.key()},
                                      {"commit", result.commit},
                                      {"files", result.files},
                                      {"lfs_files", result.lfs_files},
                                      {"bytes_uploaded", result.bytes_uploaded}}
                           .dump(2));
    return 0;
  }
  fmt::print("committed {} files to {} ({} through LFS, {} sent): {}\n", result.files, repo.key(),
             result.lfs_files, human_size(result.bytes_uploaded), result.commit);
  return 0;
}

Result<int> run_ls(Context& ctx, const HubFlags& flags) {
  TWIN_ASSIGN_OR_RETURN(auto repo, hub::parse_repo_argument(flags.repo, flags.repo_type));
  hub::HubClient client(client_options(ctx.settings()));
  TWIN_ASSIGN_OR_RETURN(auto commit, client.resolve_commit(repo, flags.revision));
  TWIN_ASSIGN_OR_RETURN(auto files, client.list_files(repo, commit));
  if (flags.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& f : files) {
      out.push_back({{"path", f.path}, {"size", f.size}, {"oid", f.oid}, {"lfs", f.lfs_sha256}});
    }
    fmt::print("{}\n",
               nlohmann::json{{"repo", repo.key()}, {"commit", commit}, {"files", out}}.dump(2));
    return 0;
  }
  Table table({"PATH", "SIZE", "LFS", "OID"});
  for (const auto& f : files) {
    table.add_row(
        {f.path, human_size(f.size), f.lfs_sha256.empty() ? "" : "lfs", f.etag().substr(0, 12)});
  }
  fmt::print("{}@{}\n", repo.key(), commit.substr(0, 12));
  table.print(stdout, ctx.stdout_color());
  return 0;
}

void add_common(CLI::App* cmd, const std::shared_ptr<HubFlags>& flags) {
  cmd->add_option("REPO", flags->repo, "The repo: org/name, or datasets/org/name")->required();
  cmd->add_option("--repo-type", flags->repo_type, "model (the default) or dataset")
      ->check(CLI::IsMember({"model", "dataset"}));
  cmd->add_flag("--json", flags->json, "Print one JSON document");
}

void add_hub_command(CLI::App& twin, CommandActions& actions) {
  CLI::App* hub_cmd =
      twin.add_subcommand("hub", "Push to and pull from the Hugging Face Hub (or a twin server)");
  hub_cmd->require_subcommand(1);
  hub_cmd->footer(
      "Settings: HF_ENDPOINT (default https://huggingface.co; a twin server's URL works too),\n"
      "HF_TOKEN or HUGGINGFACE_ACCESS_TOKEN, HF_HUB_CACHE or HF_HOME (the cache, default\n"
      "~/.cache/huggingface/hub).");

  auto download = std::make_shared<HubFlags>();
  CLI::App* d = hub_cmd->add_subcommand(
      "download", "Download a repo's files into the Hugging Face cache, verified");
  add_common(d, download);
  d->add_option("--revision", download->revision, "A branch or commit")->capture_default_str();
  d->add_option("--include", download->include, "Only files matching this glob (repeatable)")
      ->allow_extra_args(false);  // one glob per --include, so REPO is not taken
  d->add_option("-o,--output", download->output, "Also copy the files into DIR")->type_name("DIR");
  actions.on(d, [download](Context& ctx) { return run_download(ctx, *download); });

  auto upload = std::make_shared<HubFlags>();
  CLI::App* u = hub_cmd->add_subcommand(
      "upload", "Commit a file or a folder to a repo (created when missing)");
  add_common(u, upload);
  u->add_option("PATH", upload->path, "A file or a folder")->required();
  u->add_option("-m,--message", upload->message, "The commit title");
  actions.on(u, [upload](Context& ctx) { return run_upload(ctx, *upload); });

  auto ls = std::make_shared<HubFlags>();
  CLI::App* l = hub_cmd->add_subcommand("ls", "List a repo's files");
  add_common(l, ls);
  l->add_option("--revision", ls->revision, "A branch or commit")->capture_default_str();
  actions.on(l, [ls](Context& ctx) { return run_ls(ctx, *ls); });
}

}  // namespace

TWIN_REGISTER_COMMAND(75, add_hub_command);

}  // namespace twin::cli
