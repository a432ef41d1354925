#!/usr/bin/env python3
"""Builds the extraction page set: each hand-written article (articles.py) is laid out like a
real site (WordPress, Ghost, Medium, Substack, a news site, docs, Quarto/Hugo, table layouts,
div soup, a README page, ...) with the boilerplate such sites carry: navigation, sidebars,
comments, related posts, newsletter boxes, cookie banners, share bars, footers. Writes
pages/<id>.html and GROUND_TRUTH.json ({id: {"articleBody": text}}) beside this script.
Deterministic: the same files every run."""
import html
import json
import os
import random
import re

from articles import ARTICLES

HERE = os.path.dirname(os.path.abspath(__file__))
E = html.escape

COMMENTS = [
    ("Mark T.", "Great write-up, thanks for sharing! We ran into exactly the same issue last year, and it took us months to figure out what was going on. Bookmarking this for the team."),
    ("jenny_dev", "I disagree with the second point, at least for smaller teams. In my experience, the overhead is rarely worth it unless you already have the tooling in place, but I see where you are coming from."),
    ("Rahul", "Could you share the configuration you used for the benchmarks? It would help a lot to reproduce the numbers on our own hardware, which is quite different from yours."),
    ("Sofia", "This is the clearest explanation I have read on the topic, and I have read quite a few. Sending it to my students next week."),
]
RELATED = [
    ("Ten Things I Wish I Knew Before My First Production Incident", "A short list of hard-won lessons about alerts, runbooks and staying calm when everything is on fire at once."),
    ("The Hidden Costs of Microservices", "Network calls, distributed tracing and the organisational chart: what the conference talks leave out."),
    ("A Beginner's Guide to Profiling Python Code", "From cProfile to sampling profilers, here is how to find out where your program actually spends its time."),
    ("Why We Moved Back to a Monorepo", "After three years of many repositories, we merged them again. This is what we learned along the way."),
]
COOKIE = "We use cookies and similar technologies to improve your experience, analyse traffic and personalise content and advertisements. By clicking Accept all, you agree to the storing of cookies on your device. You can change your preferences at any time in the privacy settings."
NEWSLETTER = "Get the best articles on software engineering delivered to your inbox every week. Join more than 40,000 developers who read our newsletter, no spam, unsubscribe at any time."
BIO = "{author} is a software engineer who writes about distributed systems, databases and the craft of programming. Previously at several startups, now consulting for teams that want to ship faster."
NAV = ["Home", "Articles", "Tutorials", "Podcast", "About", "Contact"]


# ---------------------------------------------------------------------------------------------
# What real article pages carry around the article, by bytes: inline critical CSS, preload
# links and dozens of <meta> tags, an SVG icon sprite, a mega menu, share bars with inline
# icons, framework state blobs (__NEXT_DATA__-style JSON that repeats the article), analytics
# and bundled JavaScript, a footer with link columns and a consent dialog. Sizes follow what
# blogs, news sites, Medium and Substack serve: 50-300 KB of HTML per article page.

WORDS = ("data flow cache query layer model index token build deploy service cluster queue event "
         "stream batch graph node edge shard replica commit branch merge review schema table "
         "column vector search rank score learn train infer prompt agent tool plan").split()


def css_blob(rng, rules):
    props = ["display:flex", "display:block", "margin:0 auto", "padding:12px 16px", "color:#1a1a1a",
             "font-size:1.125rem", "line-height:1.6", "border-radius:4px", "gap:8px",
             "background:#fff", "max-width:720px", "position:relative", "z-index:10",
             "transition:opacity .2s ease-in-out", "grid-template-columns:repeat(3,1fr)",
             "font-family:-apple-system,BlinkMacSystemFont,Segoe UI,Roboto,sans-serif"]
    out = []
    for i in range(rules):
        sel = f".{rng.choice(WORDS)}-{rng.randrange(16**4):04x}"
        if rng.random() < 0.3:
            sel += f" > .{rng.choice(WORDS)}__{rng.choice(WORDS)}"
        if rng.random() < 0.1:
            out.append(f"@media (min-width:{rng.choice([640, 768, 1024, 1280])}px){{{sel}{{{';'.join(rng.sample(props, 3))}}}}}")
        else:
            out.append(f"{sel}{{{';'.join(rng.sample(props, rng.randint(2, 5)))}}}")
    return "".join(out)


def js_blob(rng, chunks):
    out = ['!function(){"use strict";var e={},t={};function n(r){var o=t[r];if(void 0!==o)return o.exports;var i=t[r]={exports:{}};return e[r](i,i.exports,n),i.exports}']
    for i in range(chunks):
        a, b, c = (f"{rng.choice(WORDS)[:2]}{rng.randrange(100)}" for _ in range(3))
        out.append(f';n.d({a},{{{b}:function(){{return {c}}}}});var {c}=function({a},{b}){{if(!{a}||"object"!=typeof {a})return {b}&&{b}.{rng.choice(WORDS)};for(var r=0,o=Object.keys({a});r<o.length;r++){b}[o[r]]={a}[o[r]]<{rng.randrange(999)}?"{rng.choice(WORDS)}":{a}[o[r]];return {b}}}')
    out.append("}();")
    return "".join(out)


def state_blob(rng, a, posts):
    title, subtitle, author, date, blocks = a
    body = [{"type": k, "text": v if isinstance(v, str) else " ".join(v), "id": f"p{rng.randrange(16**6):06x}"}
            for k, v in blocks]
    items = []
    for i in range(posts):
        t, d = RELATED[i % len(RELATED)]
        items.append({"__typename": "Post", "id": f"{rng.randrange(16**12):012x}", "title": t,
                      "excerpt": d, "slug": t.lower().replace(" ", "-")[:50],
                      "author": {"name": COMMENTS[i % len(COMMENTS)][0], "avatar": f"https://cdn.example.com/img/{rng.randrange(10**8)}.jpg"},
                      "readingTime": rng.randint(2, 15), "clapCount": rng.randrange(5000),
                      "tags": rng.sample(WORDS, 4), "publishedAt": f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T08:00:00Z"})
    return json.dumps({"props": {"pageProps": {"post": {"title": title, "subtitle": subtitle,
                       "author": author, "date": date, "body": body}, "related": items}},
                       "buildId": f"{rng.randrange(16**10):010x}", "isFallback": False}, separators=(",", ":"))


def svg_path(rng, points):
    return "M" + " ".join(f"{rng.uniform(0, 24):.3f} {rng.uniform(0, 24):.3f}" + rng.choice(["L", "C", "Q", "Z M"]) for _ in range(points)) + "0 0Z"


def svg_sprite(rng):
    icons = ["twitter", "facebook", "linkedin", "mail", "search", "menu", "close", "bookmark", "rss", "github"]
    symbols = "".join(f'<symbol id="icon-{n}" viewBox="0 0 24 24"><path d="{svg_path(rng, rng.randint(20, 60))}"/></symbol>' for n in icons)
    return f'<svg xmlns="http://www.w3.org/2000/svg" style="display:none">{symbols}</svg>'


def icon(name):
    return f'<svg class="icon icon-{name}" width="20" height="20" aria-hidden="true" focusable="false"><use href="#icon-{name}"></use></svg>'


def mega_menu(rng):
    cols = []
    for c in range(rng.randint(4, 7)):
        links = "".join(f'<li class="menu-item menu-item-type-taxonomy menu-item-object-category menu-item-{rng.randrange(9999)}"><a class="menu-link text-sm font-medium text-gray-700 hover:text-gray-900" href="/{rng.choice(WORDS)}/{rng.choice(WORDS)}" data-track="nav-{c}">{rng.choice(WORDS).title()} {rng.choice(WORDS)}</a></li>' for _ in range(rng.randint(6, 14)))
        cols.append(f'<li class="menu-item menu-item-has-children"><button class="submenu-toggle" aria-expanded="false">{rng.choice(WORDS).title()}{icon("menu")}</button><ul class="sub-menu grid grid-cols-2 gap-4">{links}</ul></li>')
    return f'<div class="mega-menu-wrapper" data-component="MegaMenu"><nav class="mega-menu" aria-label="Primary"><ul class="menu">{"".join(cols)}</ul><form role="search" class="search-form"><input type="search" name="s" placeholder="Search"><button>{icon("search")}</button></form></nav></div>'


def share_bar():
    return '<div class="share-bar" data-component="ShareBar">' + "".join(f'<a class="share-link share-{n}" href="https://{n}.example/share?u=https%3A%2F%2Fexample.org%2Fp" rel="noopener" target="_blank" aria-label="Share on {n}">{icon(n)}</a>' for n in ["twitter", "facebook", "linkedin", "mail"]) + "</div>"


def big_footer(rng):
    cols = "".join(f'<div class="footer-col"><h4 class="footer-heading">{rng.choice(WORDS).title()}</h4><ul>' + "".join(f'<li><a href="/{rng.choice(WORDS)}-{rng.randrange(99)}" class="footer-link">{rng.choice(WORDS).title()} {rng.choice(WORDS)}</a></li>' for _ in range(rng.randint(5, 9))) + "</ul></div>" for _ in range(rng.randint(3, 5)))
    social = "".join(f'<a href="https://{n}.example/site" aria-label="{n}">{icon(n)}</a>' for n in ["twitter", "github", "rss", "linkedin"])
    return f'<div class="site-footer-extended" role="contentinfo"><div class="footer-columns">{cols}</div><div class="footer-social">{social}</div></div>'


def story_cards(rng, count):
    """A "more stories" grid as news sites and blog themes render it: markup-heavy cards."""
    cards = []
    for i in range(count):
        t, d = RELATED[rng.randrange(len(RELATED))]
        img = rng.randrange(10**8)
        srcset = ", ".join(f"https://cdn.example.com/img/{img}-{w}.webp {w}w" for w in (320, 640, 960, 1280))
        cards.append(f'<li class="story-card story-card--{rng.choice(WORDS)} flex flex-col gap-2 rounded-lg" data-id="{rng.randrange(10**9)}" data-position="{i}">'
                     f'<a class="story-card__link block" href="/{rng.choice(WORDS)}/{img}" data-track="card" data-track-label="{E(t)}">'
                     f'<picture class="story-card__media"><source type="image/webp" srcset="{srcset}" sizes="(min-width:768px) 33vw, 100vw">'
                     f'<img class="story-card__image aspect-video object-cover" src="https://cdn.example.com/img/{img}-640.jpg" alt="" loading="lazy" decoding="async" width="640" height="360"></picture>'
                     f'<span class="story-card__kicker text-xs uppercase tracking-wide">{rng.choice(WORDS).title()}</span>'
                     f'<h3 class="story-card__title text-lg font-semibold leading-snug">{E(t)}</h3></a>'
                     f'<p class="story-card__excerpt text-sm text-gray-600 line-clamp-2">{E(d)}</p>'
                     f'<div class="story-card__meta"><span class="story-card__author">{E(COMMENTS[i % 4][0])}</span><time datetime="2024-02-0{i % 9 + 1}">Feb {i % 9 + 1}</time>{icon("bookmark")}</div></li>')
    return f'<section class="more-stories" aria-label="More stories"><h2 class="more-stories__title">More stories</h2><ul class="more-stories__grid grid grid-cols-3">{"".join(cards)}</ul></section>'


def consent_dialog():
    return f'<div id="consent-root" class="consent" role="dialog" aria-modal="true" hidden><div class="consent__body"><h2>We value your privacy</h2><p>{COOKIE}</p><button class="consent__accept">Accept all</button><button class="consent__reject">Reject all</button><a href="/privacy">Manage options</a></div></div>'


def head_bloat(rng, a, size):
    title = a[0]
    metas = "".join(f'<meta name="{n}" content="{v}">' for n, v in [
        ("robots", "index, follow, max-image-preview:large"), ("theme-color", "#ffffff"),
        ("twitter:card", "summary_large_image"), ("twitter:site", "@example"),
        ("generator", "WordPress 6.4.2"), ("msapplication-TileColor", "#2b5797")])
    metas += "".join(f'<meta property="{n}" content="{E(v)}">' for n, v in [
        ("og:type", "article"), ("og:url", "https://example.org/p/" + title.lower().replace(" ", "-")),
        ("og:image", f"https://cdn.example.com/img/{rng.randrange(10**8)}-1200x630.jpg"),
        ("og:image:width", "1200"), ("og:image:height", "630"), ("article:section", "Engineering")])
    links = "".join(f'<link rel="{r}" href="https://cdn.example.com/{k}/{rng.randrange(16**8):08x}.{x}"{e}>' for r, k, x, e in
                    [("preload", "fonts", "woff2", ' as="font" type="font/woff2" crossorigin'),
                     ("preload", "fonts", "woff2", ' as="font" type="font/woff2" crossorigin'),
                     ("modulepreload", "js", "js", ""), ("modulepreload", "js", "js", ""),
                     ("stylesheet", "css", "css", ' media="all"'), ("icon", "img", "png", ' sizes="32x32"')])
    css = f'<style id="critical-css">{css_blob(rng, size // 80)}</style>'
    analytics = ('<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123"></script>'
                 "<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});"
                 "var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;"
                 "j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-XXXX');</script>")
    return metas + links + css + analytics


def realistic(page, a, rng, weight):
    """Wraps a page in the bytes real sites add; `weight` scales them (1.0: about 150 KB)."""
    if weight <= 0:
        return page
    size = int(rng.uniform(0.35, 2.0) * weight * 150_000)
    page = page.replace("</head>", head_bloat(rng, a, int(size * 0.15)) + "</head>", 1)
    top = svg_sprite(rng) + mega_menu(rng)
    bottom = (share_bar() + story_cards(rng, size // 5000) + big_footer(rng) + consent_dialog()
              + f'<script id="__NEXT_DATA__" type="application/json">{state_blob(rng, a, max(3, size // 8000))}</script>'
              + f'<script>{js_blob(rng, size // 1000)}</script>'
              + '<noscript><img height="1" width="1" style="display:none" src="https://px.example.com/tr?id=1&ev=PageView&noscript=1"></noscript>')
    page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + top, page, count=1)
    return page.replace("</body>", bottom + "</body>", 1)


def body_html(blocks, p_attr="", code_wrap=None):
    out = []
    for kind, value in blocks:
        if kind == "p":
            out.append(f"<p{p_attr}>{inline(value)}</p>")
        elif kind in ("h2", "h3"):
            out.append(f"<{kind}>{E(value)}</{kind}>")
        elif kind in ("ul", "ol"):
            out.append(f"<{kind}>" + "".join(f"<li>{inline(i)}</li>" for i in value) + f"</{kind}>")
        elif kind == "code":
            code = f"<pre><code>{E(value)}</code></pre>"
            out.append(code_wrap(code) if code_wrap else code)
        elif kind == "quote":
            out.append(f"<blockquote><p>{E(value)}</p></blockquote>")
    return "\n".join(out)


def inline(text):
    # Some words become links or emphasis, as in real articles.
    words = E(text).split(" ")
    if len(words) > 12:
        words[5] = f"<strong>{words[5]}</strong>"
        words[9] = f'<a href="https://example.org/ref/{len(text)}">{words[9]}</a>'
    return " ".join(words)


def ground_truth(blocks):
    parts = []
    for kind, value in blocks:
        parts.extend(value if kind in ("ul", "ol") else [value])
    return "\n\n".join(parts)


def head(a, site, extra=""):
    title, subtitle, author, date, _ = a
    ld = json.dumps({"@context": "https://schema.org", "@type": "BlogPosting", "headline": title,
                     "description": subtitle, "author": {"@type": "Person", "name": author},
                     "datePublished": date})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{E(title)} | {E(site)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{E(subtitle)}">
<meta property="og:title" content="{E(title)}">
<meta property="og:site_name" content="{E(site)}">
<meta name="author" content="{E(author)}">
<script type="application/ld+json">{ld}</script>
<link rel="stylesheet" href="/assets/site.css">
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}} gtag('js', new Date());</script>
<style>body {{ font-family: sans-serif; }} .hidden {{ display: none; }}</style>
{extra}</head>"""


def nav_html(cls="site-nav"):
    return f'<nav class="{cls}"><ul>' + "".join(f'<li><a href="/{n.lower()}">{n}</a></li>' for n in NAV) + "</ul></nav>"


def comments_html(rng, wrapper="div", cls="comments"):
    items = rng.sample(COMMENTS, 3)
    inner = "".join(f'<li class="comment"><div class="comment-author">{E(n)}</div><div class="comment-body"><p>{E(t)}</p></div><a class="reply" href="#">Reply</a></li>' for n, t in items)
    return f'<{wrapper} class="{cls}" id="comments"><h3>3 responses</h3><ol class="comment-list">{inner}</ol><form class="comment-form"><textarea></textarea><button>Post comment</button></form></{wrapper}>'


def related_html(rng, cls="related-posts", as_article=False):
    items = rng.sample(RELATED, 3)
    if as_article:
        inner = "".join(f'<article class="post-card"><h3><a href="/p/{i}">{E(t)}</a></h3><p>{E(d)}</p></article>' for i, (t, d) in enumerate(items))
    else:
        inner = "".join(f'<div class="card"><a href="/p/{i}"><h4>{E(t)}</h4></a><p>{E(d)}</p></div>' for i, (t, d) in enumerate(items))
    return f'<section class="{cls}"><h2>You might also like</h2>{inner}</section>'


def jetpack_blocks(rng):
    """Jetpack's sharing bar, likes widget and server-rendered related posts, inside .entry-content
    as WordPress.com and self-hosted blogs with Jetpack serve them."""
    services = "".join(f'<li class="share-{n}"><a rel="nofollow noopener noreferrer" data-shared="sharing-{n}-42" class="share-{n} sd-button share-icon" href="/2024/03/post/?share={n}" target="_blank" title="Click to share on {n.title()}"><span>{n.title()}</span></a></li>' for n in ["twitter", "facebook", "linkedin", "reddit"])
    related = "".join(f'<div class="jp-relatedposts-post jp-relatedposts-post{i} jp-relatedposts-post-thumbs" data-post-id="{i + 7}" data-post-format="false"><a class="jp-relatedposts-post-a" href="/p/{i}" title="{E(t)}" rel="nofollow" data-origin="42" data-position="{i}"><img class="jp-relatedposts-post-img" src="/img/{i}.jpg" width="350" height="200" alt="{E(t)}"></a><h4 class="jp-relatedposts-post-title"><a class="jp-relatedposts-post-a" href="/p/{i}" title="{E(t)}" rel="nofollow">{E(t)}</a></h4><p class="jp-relatedposts-post-excerpt">{E(d)}</p><p class="jp-relatedposts-post-date">March {i + 2}, 2024</p><p class="jp-relatedposts-post-context">In &quot;Engineering&quot;</p></div>' for i, (t, d) in enumerate(rng.sample(RELATED, 3)))
    return (f'<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social sd-social-icon-text sd-sharing"><h3 class="sd-title">Share this:</h3><div class="sd-content"><ul>{services}<li class="share-end"></li></ul></div></div></div>'
            "<div class='sharedaddy sd-block sd-like jetpack-likes-widget-wrapper jetpack-likes-widget-unloaded' id='like-post-wrapper-1-42-65f0' data-src='https://widgets.wp.com/likes/#blog_id=1&amp;post_id=42' data-name='like-post-frame-1-42-65f0' data-title='Like or Reblog'><h3 class=\"sd-title\">Like this:</h3><div class='likes-widget-placeholder post-likes-widget-placeholder' style='height: 55px;'><span class='button'><span>Like</span></span> <span class=\"loading\">Loading...</span></div><span class='sd-text-color'></span><a class='sd-link-color'></a></div>"
            f'<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Related</em></h3><div class="jp-relatedposts-items jp-relatedposts-items-visual jp-relatedposts-grid">{related}</div></div>')


def wordpress(a, rng):
    title, subtitle, author, date, blocks = a
    return head(a, "Byte Sized Blog") + f"""
<body class="post-template-default single single-post">
<div id="page" class="site"><a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header"><div class="site-branding"><p class="site-title"><a href="/">Byte Sized Blog</a></p><p class="site-description">Notes on software, one byte at a time</p></div>{nav_html("main-navigation")}</header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-42" class="post-42 post type-post status-publish">
<header class="entry-header"><h1 class="entry-title">{E(title)}</h1><div class="entry-meta"><span class="posted-on">Posted on <time datetime="{date}">{date}</time></span> <span class="byline">by {E(author)}</span></div></header>
<div class="entry-content">
{body_html(blocks)}
{jetpack_blocks(rng)}
</div>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="/c/eng">Engineering</a></span> <span class="tags-links">Tagged <a href="/t/a">backend</a>, <a href="/t/b">architecture</a></span></footer>
</article>
<nav class="navigation post-navigation"><div class="nav-previous"><a href="/prev">Previous post: Why We Moved Back to a Monorepo</a></div><div class="nav-next"><a href="/next">Next post: The Hidden Costs of Microservices</a></div></nav>
{comments_html(rng, "div", "comments-area")}
</main></div>
<aside id="secondary" class="widget-area"><section class="widget widget_search"><form><input type="search"></form></section>
<section class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul>{"".join(f'<li><a href="/r/{i}">{E(t)}</a></li>' for i, (t, _) in enumerate(RELATED))}</ul></section>
<section class="widget widget_text"><h2 class="widget-title">About me</h2><div class="textwidget"><p>{E(BIO.format(author=author))}</p></div></section></aside>
</div>
<footer id="colophon" class="site-footer"><div class="site-info">Proudly powered by WordPress | Theme: Twenty Nineteen. Copyright 2024 Byte Sized Blog. All rights reserved.</div></footer></div>
<div id="cookie-notice" class="cookie-notice"><p>{COOKIE}</p><a href="#">Accept all</a></div>
</body></html>"""


def ghost(a, rng):
    title, subtitle, author, date, blocks = a
    return head(a, "The Engineering Log") + f"""
<body class="post-template">
<div class="site-wrapper"><header class="site-header outer"><div class="inner">{nav_html("site-nav")}</div></header>
<main id="site-main" class="site-main outer"><div class="inner">
<article class="post-full post">
<header class="post-full-header"><section class="post-full-meta"><time class="post-full-meta-date" datetime="{date}">{date}</time></section><h1 class="post-full-title">{E(title)}</h1><p class="post-full-custom-excerpt">{E(subtitle)}</p></header>
<figure class="post-full-image"><img src="/content/images/cover.jpg" alt="cover"><figcaption>Photo by a photographer on Unsplash</figcaption></figure>
<section class="post-full-content"><div class="post-content">
{body_html(blocks)}
</div></section>
<section class="subscribe-form"><h3 class="subscribe-form-title">Subscribe to The Engineering Log</h3><p>{NEWSLETTER}</p><form><input type="email"><button>Subscribe</button></form></section>
<footer class="post-full-footer"><section class="author-card"><h4>{E(author)}</h4><p>{E(BIO.format(author=author))}</p></section></footer>
</article></div></main>
<aside class="read-next outer"><div class="inner"><div class="read-next-feed">{related_html(rng, "read-next-card", as_article=True)}</div></div></aside>
<footer class="site-footer outer"><div class="site-footer-content inner"><section class="copyright"><a href="/">The Engineering Log</a> &copy; 2024</section><nav class="site-footer-nav"><a href="/">Latest Posts</a><a href="/rss">RSS</a></nav></div></footer></div>
</body></html>"""


def medium(a, rng):
    title, subtitle, author, date, blocks = a
    paras = []
    for kind, value in blocks:
        if kind == "p":
            paras.append(f'<p class="pw-post-body-paragraph lu lv fq lw b lx ly">{inline(value)}</p>')
        else:
            paras.append(body_html([(kind, value)]))
    sub = f'<h2 class="pw-subtitle-paragraph kd ke fq be kf">{E(subtitle)}</h2>' if subtitle else ""
    return head(a, "Medium") + f"""
<body><div id="root"><div class="a b c"><div class="l c"><div class="l d"><nav class="metabar"><a href="/">Medium</a><a href="/new-story">Write</a><a href="/m/signin">Sign in</a></nav></div></div>
<div class="speechify-ignore ab co"><div class="ab cn"><button>Listen</button><button>Share</button></div></div>
<article><div class="l"><div class="l"><section><div><div class="fr fs ft fu fv"><div class="ab ca"><div class="ch bg fw fx fy fz">
<div><h1 id="a1" class="pw-post-title gw gx gy be gz ha hb">{E(title)}</h1></div>{sub}
<div class="speechify-ignore ab co"><div class="pw-author"><a href="/@author">{E(author)}</a> <span>Follow</span></div><div><span>8 min read</span> · <span>{date}</span></div><div class="ab"><span>1.2K</span> <span>14</span></div></div>
{"".join(paras)}
</div></div></div></div></section></div></div></article>
<div class="pw-multi-vote-count"><p>1.2K claps</p></div>
<div class="ab ca"><div class="ch bg"><div class="pw-responses"><h2>Responses (14)</h2>{comments_html(rng, "div", "responses")}</div></div></div>
<div class="ab ca"><div class="ch bg"><h2>More from {E(author)}</h2>{related_html(rng, "ab cb", as_article=True)}</div></div>
<footer class="ab"><a href="/about">About</a><a href="/help">Help</a><a href="/terms">Terms</a><a href="/privacy">Privacy</a></footer></div></div>
</body></html>"""


def substack(a, rng):
    title, subtitle, author, date, blocks = a
    sub = f'<h3 class="subtitle">{E(subtitle)}</h3>' if subtitle else ""
    return head(a, "Decoding Systems") + f"""
<body><div id="entry"><div class="main-menu"><div class="topbar"><a class="navbar-title-link" href="/">Decoding Systems</a><div class="navbar-buttons"><a href="/subscribe">Subscribe</a><a href="/sign-in">Sign in</a></div></div></div>
<div class="container"><div class="single-post-container"><div class="single-post"><article class="typography newsletter-post post">
<div class="post-header"><h1 class="post-title published">{E(title)}</h1>{sub}
<div class="post-meta"><div class="profile-hover-card-target"><a href="/@author">{E(author)}</a></div><div class="pencraft">{date}</div></div>
<div class="post-ufi"><a class="like-button">142</a><a class="post-ufi-comment-button">23</a><a class="share">Share</a></div></div>
<div class="available-content"><div dir="auto" class="body markup">
{body_html(blocks)}
<div class="subscription-widget-wrap"><div class="subscription-widget show-subscribe"><div class="preamble"><p>{NEWSLETTER}</p></div><form class="subscription-widget-subscribe"><input type="email"><input type="submit" value="Subscribe"></form></div></div>
</div></div>
<div class="post-footer"><div class="post-ufi"><a>142 Likes</a> <a>23 Comments</a></div></div></article></div>
<div class="comments-section">{comments_html(rng, "div", "comments-page")}</div>
<div class="recommendations">{related_html(rng, "post-preview-list")}</div></div></div>
<div class="footer-wrap"><div class="footer">&copy; 2024 Decoding Systems · Privacy · Terms · Collection notice</div><div class="footer-substack">Substack is the home for great culture</div></div></div>
</body></html>"""


def news(a, rng):
    title, subtitle, author, date, blocks = a
    # Inline ads and a related box inside the story body.
    parts = []
    for i, b in enumerate(blocks):
        parts.append(body_html([b]))
        if i == 1:
            parts.append('<div class="ad-slot ad-slot--inline"><span class="ad-label">Advertisement</span><div id="div-gpt-ad-1"></div></div>')
        if i == 3:
            parts.append(f'<aside class="story-related"><h4>Read more</h4><ul>{"".join(f"<li><a href=/n/{k}>{E(t)}</a></li>" for k, (t, _) in enumerate(RELATED[:3]))}</ul></aside>')
    return head(a, "The Daily Compile") + f"""
<body class="article-page">
<div class="cookie-consent-banner" role="dialog"><p>{COOKIE}</p><button>Accept all</button><button>Manage settings</button></div>
<header class="masthead"><div class="masthead__logo"><a href="/">The Daily Compile</a></div>{nav_html("masthead__nav")}<div class="masthead__date">Tuesday, 12 March 2024</div></header>
<div class="breadcrumbs"><a href="/">Home</a> &gt; <a href="/tech">Technology</a> &gt; <a href="/tech/software">Software</a></div>
<div class="layout layout--with-sidebar"><div class="layout__main">
<div class="story-header"><h1 class="story-headline">{E(title)}</h1><p class="story-standfirst">{E(subtitle)}</p><div class="story-byline">By <a href="/authors/x">{E(author)}</a>, Technology reporter · <time datetime="{date}">{date}</time></div></div>
<figure class="story-image"><img src="/img/lead.jpg" alt=""><figcaption class="story-image__caption">The team behind the project at their office in Berlin. Photograph: Press Agency</figcaption></figure>
<div class="story-body" itemprop="articleBody">
{"".join(parts)}
</div>
<div class="story-share"><a href="#">Share on Twitter</a><a href="#">Share on Facebook</a><a href="#">Email</a></div>
<div class="newsletter-signup"><h3>Sign up to Tech Weekly</h3><p>{NEWSLETTER}</p><form><input type="email"><button>Sign up</button></form></div>
</div>
<div class="layout__sidebar"><div class="most-read"><h2>Most read</h2><ol>{"".join(f'<li><a href="/m/{i}">{E(t)}</a></li>' for i, (t, _) in enumerate(RELATED))}</ol></div>
<div class="ad ad--mpu">Advertisement</div></div></div>
<footer class="site-footer"><div class="footer-links"><a href="/about">About us</a><a href="/contact">Contact</a><a href="/jobs">Work for us</a><a href="/privacy">Privacy policy</a><a href="/cookies">Cookie policy</a><a href="/terms">Terms and conditions</a></div><p>&copy; 2024 The Daily Compile Ltd. All rights reserved. Registered in England and Wales.</p></footer>
</body></html>"""


def docs(a, rng):
    title, subtitle, author, date, blocks = a
    toc = "".join(f'<li class="toctree-l1"><a class="reference internal" href="/docs/{i}">{E(t)}</a></li>' for i, (t, _) in enumerate(RELATED + COMMENTS))
    onpage = "".join(f'<li><a href="#s{i}">{E(v)}</a></li>' for i, (k, v) in enumerate(blocks) if k in ("h2", "h3"))
    wrap = lambda c: f'<div class="highlight-python notranslate"><div class="highlight">{c}</div></div>'
    return head(a, "Project Docs") + f"""
<body class="wy-body-for-nav"><div class="wy-grid-for-nav">
<nav data-toggle="wy-nav-shift" class="wy-nav-side"><div class="wy-side-scroll"><div class="wy-side-nav-search"><a href="/" class="icon icon-home">Project Docs</a><div role="search"><form><input type="text" name="q" placeholder="Search docs"></form></div></div>
<div class="wy-menu wy-menu-vertical" role="navigation"><p class="caption"><span class="caption-text">User guide</span></p><ul>{toc}</ul></div></div></nav>
<section data-toggle="wy-nav-shift" class="wy-nav-content-wrap"><nav class="wy-nav-top"><a href="/">Project Docs</a></nav>
<div class="wy-nav-content"><div class="rst-content"><div role="navigation" aria-label="breadcrumbs navigation"><ul class="wy-breadcrumbs"><li><a href="/">Docs</a> &raquo;</li><li>{E(title)}</li><li class="wy-breadcrumbs-aside"><a href="/edit">Edit on GitHub</a></li></ul><hr></div>
<div role="main" class="document" itemscope="itemscope" itemtype="http://schema.org/Article"><div itemprop="articleBody">
<div class="section" id="main"><h1>{E(title)}<a class="headerlink" href="#main" title="Permalink to this headline">¶</a></h1>
{body_html(blocks, code_wrap=wrap)}
</div></div></div>
<footer><div class="rst-footer-buttons" role="navigation" aria-label="footer navigation"><a href="/next" class="btn btn-neutral float-right">Next</a><a href="/prev" class="btn btn-neutral float-left">Previous</a></div><hr><div role="contentinfo"><p>&copy; Copyright 2024, The Project Authors. Revision 4f2a9c1.</p></div>Built with Sphinx using a theme provided by Read the Docs.</footer>
</div></div></section></div>
<div class="rst-versions" data-toggle="rst-versions" role="note" aria-label="versions"><span class="rst-current-version">v: latest</span><div class="rst-other-versions"><dl><dt>Versions</dt><dd><a href="/en/latest/">latest</a></dd><dd><a href="/en/stable/">stable</a></dd></dl></div></div>
<div class="toc-right"><p>On this page</p><ul>{onpage}</ul></div>
</body></html>"""


def quarto(a, rng):
    title, subtitle, author, date, blocks = a
    # Sections as divs with ids, TOC sidebar, no semantic content classes.
    sections, current = [], []
    for b in blocks:
        if b[0] in ("h2", "h3") and current:
            sections.append(current)
            current = []
        current.append(b)
    sections.append(current)
    secs = "".join(f'<section id="sec-{i}" class="level2">{body_html(s)}</section>' for i, s in enumerate(sections))
    toc = "".join(f'<li><a href="#sec-{i}" class="nav-link">{E(s[0][1])}</a></li>' for i, s in enumerate(sections) if s[0][0] in ("h2", "h3"))
    return head(a, "Maxime's Notes") + f"""
<body class="nav-fixed fullcontent">
<div id="quarto-search-results"></div>
<header id="quarto-header" class="headroom fixed-top"><nav class="navbar navbar-expand-lg"><div class="navbar-container container-fluid"><a class="navbar-brand" href="/">Notes</a><ul class="navbar-nav">{"".join(f'<li class="nav-item"><a class="nav-link" href="/{n}">{n}</a></li>' for n in NAV)}</ul></div></nav></header>
<div id="quarto-content" class="quarto-container page-columns page-rows-contents page-layout-article">
<div id="quarto-margin-sidebar" class="sidebar margin-sidebar"><nav id="TOC" role="doc-toc"><h2 id="toc-title">Sections</h2><ul>{toc}</ul></nav></div>
<div id="quarto-document-content" class="column-body">
<div id="title-block-header" class="quarto-title-block default"><div class="quarto-title"><h1 class="title">{E(title)}</h1><p class="subtitle lead">{E(subtitle)}</p></div><div class="quarto-title-meta"><div><div class="quarto-title-meta-heading">Author</div><div class="quarto-title-meta-contents"><p>{E(author)}</p></div></div><div><div class="quarto-title-meta-heading">Published</div><div class="quarto-title-meta-contents"><p class="date">{date}</p></div></div></div></div>
{secs}
</div></div>
<div class="giscus"><p>Comments powered by giscus. Sign in with GitHub to join the discussion below this article.</p></div>
<div class="nav-footer"><div class="nav-footer-center">Copyright 2024, built with Quarto</div></div>
</body></html>"""


def tables(a, rng):
    title, subtitle, author, date, blocks = a
    links = "".join(f'<a href="/{n}">{n}</a><br>' for n in NAV + ["Archive", "Links", "Guestbook"])
    return f"""<html><head><title>{E(title)}</title><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>
<body bgcolor="#ffffff"><table width="100%" border="0" cellpadding="4"><tr><td colspan="2" bgcolor="#003366"><font color="white" size="5">Hacker's Homepage</font></td></tr>
<tr><td width="160" valign="top" bgcolor="#eeeeee"><b>Menu</b><br>{links}<br><b>Friends</b><br><a href="http://a.example">Alice's page</a><br><a href="http://b.example">Bob's corner</a></td>
<td valign="top"><h1>{E(title)}</h1><i>Written by {E(author)} on {date}</i>
{body_html(blocks)}
<hr><small>Last updated {date}. You are visitor number 004211. Best viewed with any browser at 800x600.</small></td></tr>
<tr><td colspan="2" align="center"><small>Copyright 1998-2024 Hacker's Homepage. Powered by vi and coffee.</small></td></tr></table></body></html>"""


def divsoup(a, rng):
    title, subtitle, author, date, blocks = a
    out = []
    for kind, value in blocks:
        if kind == "p":
            out.append(f'<div class="css-1dbjc4n r-1loqt21"><div dir="auto" class="css-901oao">{inline(value)}</div></div>')
        elif kind in ("h2", "h3"):
            out.append(f'<div class="css-1dbjc4n"><div role="heading" aria-level="2" class="css-4rbku5 r-1vr29t4">{E(value)}</div></div>')
        elif kind in ("ul", "ol"):
            out.append('<div class="css-1dbjc4n">' + "".join(f'<div class="css-901oao">• {E(i)}</div>' for i in value) + "</div>")
        elif kind == "code":
            out.append(f'<div class="css-1dbjc4n"><pre class="css-code">{E(value)}</pre></div>')
        else:
            out.append(f'<div class="css-1dbjc4n r-quote"><div class="css-901oao">{E(value)}</div></div>')
    side = "".join(f'<div class="css-1dbjc4n r-side"><a href="/t/{i}" class="css-4rbku5">{E(t)}</a><div class="css-901oao">{E(d[:60])}</div></div>' for i, (t, d) in enumerate(RELATED))
    return head(a, "AppBlog") + f"""
<body><div id="app"><div class="css-1dbjc4n r-topbar"><a href="/" class="css-4rbku5">AppBlog</a>{"".join(f'<a href="/{n}" class="css-4rbku5">{n}</a>' for n in NAV)}</div>
<div class="css-1dbjc4n r-row"><div class="css-1dbjc4n r-col-main"><div class="css-1dbjc4n"><div role="heading" aria-level="1" class="css-title">{E(title)}</div><div class="css-901oao r-muted">{E(author)} · {date}</div></div>
{"".join(out)}
</div><div class="css-1dbjc4n r-col-side"><div class="css-901oao">Trending now</div>{side}</div></div>
<div class="css-1dbjc4n r-bottom"><div class="css-901oao">© 2024 AppBlog Inc. · Terms · Privacy · Cookies · Accessibility · Ads info</div></div></div>
<script>window.__INITIAL_STATE__ = {{"user": null, "flags": {{"a": true}}}};</script>
</body></html>"""


def readme(a, rng):
    title, subtitle, author, date, blocks = a
    files = "".join(f'<div role="row" class="Box-row"><a class="js-navigation-open" href="/blob/{n}">{n}</a><span>Update {n}</span></div>' for n in ["src", "tests", "docs", "LICENSE", "README.md", "pyproject.toml"])
    return head(a, "GitHub") + f"""
<body class="logged-out env-production page-responsive">
<div class="position-relative js-header-wrapper"><header class="Header-old header-logged-out" role="banner"><a href="/">GitHub</a><nav aria-label="Global"><ul><li>Product</li><li>Solutions</li><li>Open Source</li><li>Pricing</li></ul></nav><a href="/login">Sign in</a><a href="/signup">Sign up</a></header></div>
<div class="application-main"><main id="js-repo-pjax-container"><div id="repository-container-header" class="pt-3"><strong itemprop="name"><a href="/o/r">{E(title.lower().replace(" ", "-")[:30])}</a></strong><span class="Label">Public</span><ul class="pagehead-actions"><li>Notifications</li><li>Fork 12</li><li>Star 340</li></ul></div>
<div class="Layout"><div class="Layout-main"><div class="Box"><div class="Box-header">{E(author)} Merge pull request #88</div>{files}</div>
<div id="readme" class="Box md js-code-block-container"><div class="Box-header"><h2 class="Box-title">README.md</h2></div><div class="Box-body px-5 pb-5"><article class="markdown-body entry-content container-lg" itemprop="text">
<h1>{E(title)}</h1>
{body_html(blocks)}
</article></div></div></div>
<div class="Layout-sidebar"><div class="BorderGrid"><h2 class="mb-3 h4">About</h2><p class="f4 my-3">{E(subtitle or title)}</p><div class="topics"><a class="topic-tag">python</a><a class="topic-tag">machine-learning</a></div><h2 class="h4 mb-3">Releases 4</h2><h2 class="h4 mb-3">Contributors 9</h2><h2 class="h4 mb-3">Languages</h2><ul><li>Python 91.2%</li><li>Shell 8.8%</li></ul></div></div></div></main></div>
<footer class="footer" role="contentinfo"><ul><li>&copy; 2024 GitHub, Inc.</li><li><a href="/terms">Terms</a></li><li><a href="/privacy">Privacy</a></li><li><a href="/security">Security</a></li><li><a href="/status">Status</a></li><li><a href="/docs">Docs</a></li></ul></footer>
</body></html>"""


def comment_trap(a, rng):
    """Long comments marked up as <article>s and a plain div for the post."""
    title, subtitle, author, date, blocks = a
    long_comments = "".join(f'<article class="c-item" id="c{i}"><header><b>{E(n)}</b> said:</header><p>{E(t)} {E(t)}</p></article>' for i, (n, t) in enumerate(COMMENTS))
    return head(a, "Dev Musings") + f"""
<body><div class="wrapper"><div class="top">{nav_html("menu")}</div>
<div class="post"><h1>{E(title)}</h1><div class="date">{date} — {E(author)}</div>
<div class="text">
{body_html(blocks)}
</div></div>
<div id="disqus_thread"><h2>{len(COMMENTS)} Comments</h2>{long_comments}</div>
<div class="foot">Dev Musings is a personal blog. Opinions are my own and not those of my employer. Subscribe via RSS.</div></div>
<div class="gdpr-modal"><h3>Your privacy</h3><p>{COOKIE}</p><p>{COOKIE}</p><button>OK</button></div>
</body></html>"""


def hugo(a, rng):
    title, subtitle, author, date, blocks = a
    return head(a, "Paper Trail") + f"""
<body><header class="header"><nav class="nav"><div class="logo"><a href="/">Paper Trail</a></div><ul id="menu">{"".join(f'<li><a href="/{n}"><span>{n}</span></a></li>' for n in NAV)}</ul></nav></header>
<main class="main"><article class="post-single"><header class="post-header"><div class="breadcrumbs"><a href="/">Home</a>&nbsp;»&nbsp;<a href="/posts/">Posts</a></div><h1 class="post-title entry-hint-parent">{E(title)}</h1><div class="post-description">{E(subtitle)}</div><div class="post-meta"><span title="{date}">{date}</span>&nbsp;·&nbsp;6 min&nbsp;·&nbsp;{E(author)}</div></header>
<div class="toc"><details open><summary><span class="details">Table of Contents</span></summary><div class="inner"><ul>{"".join(f'<li><a href="#{i}">{E(v)}</a></li>' for i, (k, v) in enumerate(blocks) if k in ("h2", "h3"))}</ul></div></details></div>
<div class="post-content">
{body_html(blocks)}
</div>
<footer class="post-footer"><ul class="post-tags"><li><a href="/tags/engineering/">Engineering</a></li><li><a href="/tags/notes/">Notes</a></li></ul><nav class="paginav"><a class="prev" href="/p1"><span class="title">« Prev</span><br><span>The Hidden Costs of Microservices</span></a><a class="next" href="/p2"><span class="title">Next »</span><br><span>Why We Moved Back to a Monorepo</span></a></nav>
<div class="share-buttons"><a href="#" aria-label="share on x">x</a><a href="#" aria-label="share on linkedin">in</a></div></footer>
</article></main>
<footer class="footer"><span>&copy; 2024 <a href="/">Paper Trail</a></span> · <span>Powered by <a href="https://gohugo.io/">Hugo</a> &amp; PaperMod</span></footer>
<a href="#top" aria-label="go to top" title="Go to Top (Alt + G)" class="top-link" id="top-link">↑</a>
</body></html>"""


def bare(a, rng):
    """Minimal markup: paragraphs straight in <body>, a header line and a footer line."""
    title, subtitle, author, date, blocks = a
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{E(title)}</title></head><body>
<p><a href="/">~/home</a> | <a href="/posts">posts</a> | <a href="/rss.xml">rss</a></p>
<h1>{E(title)}</h1>
<p><em>{date}</em></p>
{body_html(blocks)}
<hr>
<p><a href="/">back to index</a></p>
</body></html>"""


LAYOUTS = [wordpress, ghost, medium, substack, news, docs, quarto, tables, divsoup, readme,
           comment_trap, hugo, bare]


def main():
    pages = os.path.join(HERE, "pages")
    os.makedirs(pages, exist_ok=True)
    truth = {}
    for i, article in enumerate(ARTICLES):
        layout = LAYOUTS[i % len(LAYOUTS)]
        rng = random.Random(i)
        page_id = f"{i:02d}-{layout.__name__}"
        with open(os.path.join(pages, page_id + ".html"), "w", encoding="utf-8") as out:
            page = layout(article, rng)
            # Old hand-made pages (tables, bare) stay small, as they are on the web.
            out.write(realistic(page, article, rng, 0 if layout in (tables, bare) else 1.0))
        truth[page_id] = {"articleBody": ground_truth(article[4])}
    with open(os.path.join(HERE, "GROUND_TRUTH.json"), "w", encoding="utf-8") as out:
        json.dump(truth, out, indent=1, ensure_ascii=False, sort_keys=True)
    print(f"{len(truth)} pages in {pages}")


if __name__ == "__main__":
    main()
