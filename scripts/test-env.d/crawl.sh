# Sourced by scripts/test-env.sh. Crawl tests talk to servers on 127.0.0.1 (their own HTTP
# servers and chromedriver): keep those requests off any proxy the environment names, since
# libcurl and Chromium honour http_proxy / https_proxy.
for var in no_proxy NO_PROXY; do
  current="${!var:-}"
  case ",$current," in
    *,127.0.0.1,*) ;;
    *) export "$var=${current:+$current,}127.0.0.1,localhost" ;;
  esac
done
