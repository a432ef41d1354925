// A LinkedIn-like site on a LoopbackServer, for the browser and ETL tests:
// /in/jane/recent-activity/ needs a session cookie, /login sets it for the right credentials
// (kLinkedInUsername, kLinkedInPassword), and the feed adds posts as the reader scrolls
// (kLinkedInPosts in all).
#pragma once

#include <httplib.h>

#include <string>

namespace twin::testing_support {

inline constexpr const char* kLinkedInUsername = "jane@example.com";
inline constexpr const char* kLinkedInPassword = "correct horse";
inline constexpr size_t kLinkedInPosts = 7;
inline constexpr const char* kLinkedInFeedPath = "/in/jane/recent-activity/";

inline constexpr const char* kLinkedInLoginPage = R"(<!DOCTYPE html><html><body><h1>Sign in</h1>
<form method="post" action="/login"><input id="username" name="session_key">
<input id="password" name="session_password" type="password"><button type="submit">Sign in</button>
</form></body></html>)";

inline constexpr const char* kLinkedInFeedPage =
    R"(<!DOCTYPE html><html><body><main id="feed"></main><script>
let shown = 0;
function post(i) {
  const div = document.createElement('div');
  div.className = 'feed-shared-update-v2';
  div.style.minHeight = '900px';
  div.innerHTML = '<div class="update-components-text"><span>Post number ' + i +
      ' about building LLM systems.</span></div><img src="/img/' + i + '.png">';
  return div;
}
function more(n) { for (let k = 0; k < n && shown < 7; ++k) document.getElementById('feed').appendChild(post(++shown)); }
more(3);
window.addEventListener('scroll', () => {
  if (window.innerHeight + window.scrollY >= document.body.scrollHeight - 50) setTimeout(() => more(2), 100);
});
</script></body></html>)";

// Registers the login form, the login handler, the landing page and the protected feed.
inline void serve_linkedin_site(httplib::Server& http) {
  http.Get("/login", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kLinkedInLoginPage, "text/html");
  });
  http.Post("/login", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("session_key") == kLinkedInUsername &&
        req.get_param_value("session_password") == kLinkedInPassword) {
      res.set_header("Set-Cookie", "session=ok; Path=/");
      res.set_redirect("/feed/", 303);
    } else {
      res.set_content(kLinkedInLoginPage, "text/html");
    }
  });
  http.Get("/feed/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<html><body><p>Welcome back</p></body></html>", "text/html");
  });
  http.Get(kLinkedInFeedPath, [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Cookie").find("session=ok") == std::string::npos) {
      res.set_redirect("/login", 302);
      return;
    }
    res.set_content(kLinkedInFeedPage, "text/html");
  });
}

}  // namespace twin::testing_support
