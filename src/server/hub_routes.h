// The Hugging Face Hub's HTTP API over twin's HubStore, so @huggingface/hub (hubUrl) and
// huggingface_hub (HF_ENDPOINT) work against `twin server` unchanged:
//   GET    /api/whoami-v2
//   POST   /api/repos/create, DELETE /api/repos/delete        (409 with the url when it exists)
//   GET    /api/{models|datasets}/{repo}[/revision/{rev}]      info: sha, siblings, branches
//   POST   /api/{type}s/{repo}/preupload/{rev}                 regular or lfs, per file
//   POST   /api/{type}s/{repo}/commit/{rev}                    NDJSON: header, file, lfsFile,
//                                                              deletedFile (412 on a stale
//                                                              parentCommit)
//   GET    /api/{type}s/{repo}/tree/{rev}[/{path}]             ?recursive, paged by cursor + Link
//   POST   /api/{type}s/{repo}/paths-info/{rev}                JSON or form body
//   GET    /api/{type}s/{repo}/xet-{read,write}-token/{rev}    an error: set HF_HUB_DISABLE_XET=1
//   POST   /[datasets/]{repo}.git/info/lfs/objects/batch       Git LFS batch: basic or multipart
//   GET|HEAD /[datasets/]{repo}/{resolve|raw}/{rev}/{path}     bytes, ranges, ETag, X-Repo-Commit,
//                                                              X-Linked-Etag, X-Linked-Size
//   PUT    /hub-lfs/{oid}[/part/{n}], POST /hub-lfs/{oid}/complete   the upload URLs the batch
//                                                              answer hands out
// Errors are the Hub's: an X-Error-Code header (RepoNotFound, RevisionNotFound, EntryNotFound)
// and {"error": message}.
//
// Security: /api/ paths are behind the server's bearer token (server.cc); the resolve and LFS
// batch paths check the same token here. Upload URLs carry no Authorization header (clients send
// none there): they are signed (HMAC-SHA256 over oid, size and expiry, under a key derived from
// the token, or random per process without one) and expire after an hour. An upload is stored
// only when its size and SHA-256 match its oid.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <functional>
#include <string>

#include "twin/hub/hub_store.h"

namespace twin::server {

struct HubRouteOptions {
  // Files at least this large (or with a NUL in their first 512 bytes) go through LFS.
  size_t lfs_threshold_bytes = size_t{10} << 20;
  // LFS objects larger than this are uploaded in parts of this size.
  size_t multipart_chunk_bytes = size_t{16} << 20;
  size_t max_object_bytes = size_t{1} << 30;
  std::string signing_key;  // empty: a random key for this process
  // Whether a request carries the server's token (the check server.cc uses for /api/).
  std::function<bool(const httplib::Request&)> authorized;
};

// Registers the routes; `hub` null makes every Hub route answer 503.
void add_hub_routes(httplib::Server& server, hub::HubStore* hub, HubRouteOptions options);

// True for paths of the upload URLs (their bodies may be up to max_object_bytes).
bool is_hub_upload_path(const std::string& path);

}  // namespace twin::server
