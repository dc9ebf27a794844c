// Behaviour of the Telegram sign-in widget that htmx attributes alone cannot express. The widget
// brings this file itself (any allauth page may hold it), and htmx too where the page has none.
// It works with the page's own htmx 2 or htmx 4, which name their events differently.
(function () {
  "use strict";
  if (window.telegramLoginWidget) return; // included once per widget; run once per page
  window.telegramLoginWidget = true;

  function onEither(names, handler) {
    names.forEach(function (name) {
      document.addEventListener(name, handler);
    });
  }

  // The widget an htmx event is about (htmx 4 sends events of removed elements to the document).
  function widgetOf(event) {
    var element = event.target;
    return element && element.closest ? element.closest("#telegram-login") : null;
  }

  // The HTTP status of the answer an htmx event is about: htmx 2's XMLHttpRequest, htmx 4's
  // fetch context; 0 when there was no answer.
  function statusOf(detail) {
    if (detail && detail.xhr) return detail.xhr.status;
    if (detail && detail.ctx && detail.ctx.response) return detail.ctx.response.status;
    return 0;
  }

  if (!window.htmx) {
    var me = document.currentScript;
    var src = me && me.getAttribute("data-htmx-src");
    if (src) {
      var htmxScript = document.createElement("script");
      htmxScript.src = src;
      htmxScript.onload = function () {
        window.htmx.process(document.body);
      };
      document.head.appendChild(htmxScript);
    }
  }

  // Styles for "no JavaScript" (the spinner and other live-only hints hide without it).
  document.documentElement.classList.remove("no-js");
  // The widget the page was served with needs no announcement; only the ones swapped in do.
  var served = document.getElementById("telegram-login");
  if (served) served.dataset.announced = "yes";

  // Do not poll while the tab is hidden (people are in the Telegram app); poll at once on return.
  onEither(["htmx:beforeRequest", "htmx:before:request"], function (event) {
    var element = event.target;
    if (
      element.hasAttribute &&
      element.hasAttribute("data-telegram-poll") &&
      document.visibilityState === "hidden"
    ) {
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible" || !window.htmx) return;
    document.querySelectorAll("[data-telegram-poll]").forEach(function (element) {
      window.htmx.trigger(element, "telegram-login:poll");
    });
  });

  // After each state change: say it in the live region outside the widget (a replaced element
  // may not be announced), move focus to the widget's heading (so the next Tab reaches its
  // first control, not the top of the page), and keep the widget in view.
  onEither(["htmx:afterSettle", "htmx:after:settle"], function () {
    var widget = document.getElementById("telegram-login");
    if (!widget || widget.dataset.announced === "yes") return;
    widget.dataset.announced = "yes";
    var announcer = document.querySelector("[data-telegram-announcer]");
    if (announcer) announcer.textContent = widget.getAttribute("data-announce") || "";
    var heading = widget.querySelector("[data-telegram-heading]");
    if (heading) heading.focus({ preventScroll: true });
    widget.scrollIntoView({ block: "nearest" });
    var rect = widget.getBoundingClientRect();
    if (rect.top < 0 || rect.top > window.innerHeight / 3) {
      widget.scrollIntoView({ block: "start" });
    }
  });

  // An answer the widget cannot use (an error status, or none: offline, timed out) is never
  // swapped in; the widget says so in its own words, a poll goes on by itself, and the next
  // good answer takes the words away. htmx 2 swaps no error answers; htmx 4 swaps them all.
  function showTrouble(event, shown) {
    var widget = widgetOf(event);
    var line = widget && widget.querySelector("[data-telegram-trouble]");
    if (!line) return;
    if (!shown) {
      line.hidden = true;
      return;
    }
    var polling = event.target.hasAttribute("data-telegram-poll");
    var text = line.getAttribute(polling ? "data-poll-text" : "data-press-text");
    if (!line.hidden && line.textContent === text) return; // said once, not every 2 s
    line.textContent = text;
    line.hidden = false;
    var announcer = document.querySelector("[data-telegram-announcer]");
    if (announcer) announcer.textContent = text;
  }
  onEither(["htmx:afterRequest", "htmx:after:request"], function (event) {
    var status = statusOf(event.detail);
    showTrouble(event, !(status >= 200 && status < 400));
  });
  onEither(["htmx:sendError", "htmx:timeout", "htmx:error"], function (event) {
    showTrouble(event, true);
  });
  document.addEventListener("htmx:before:swap", function (event) {
    if (widgetOf(event) && statusOf(event.detail) >= 400) event.preventDefault();
  });

  // Opened as the bot's Mini App: Telegram's signed initData, from its script where the page
  // loads it, else from the URL's fragment where Telegram's clients pass it at launch. The server
  // checks it (mini_app/views.py); the name here is only for the button.
  function miniAppData() {
    var app = window.Telegram && window.Telegram.WebApp;
    if (app && app.initData) return app.initData;
    var fragment = window.location.hash.replace(/^#/, "");
    if (!fragment) return "";
    try {
      return new URLSearchParams(fragment).get("tgWebAppData") || "";
    } catch (error) {
      return "";
    }
  }
  function offerMiniApp() {
    var form = document.querySelector("[data-telegram-mini-app]");
    if (!form) return;
    // Refused once: the page says why, and the same data is not offered again.
    if (new URLSearchParams(window.location.search).has("telegram_mini_app")) return;
    var data = miniAppData();
    if (!data) return;
    var user = {};
    var texts = {};
    try {
      user = JSON.parse(new URLSearchParams(data).get("user") || "{}");
      texts = JSON.parse(form.getAttribute("data-continue-texts") || "{}");
    } catch (error) {
      user = {};
    }
    var name = user.first_name || "";
    if (!name) return;
    // In the Telegram app's language where the site speaks it, else the page's.
    var language = String(user.language_code || "").split("-")[0];
    var text = texts[language] || form.getAttribute("data-continue-text");
    form.querySelector("[name=init_data]").value = data;
    form.querySelector("button").textContent = text.replace("{name}", name);
    form.hidden = false;
  }
  // Telegram's own browser (a link opened in Telegram, no Mini App data): the widget's hint says
  // the person is already in Telegram (telegram-login.css shows it).
  if (window.TelegramWebviewProxy || /\bTelegram-(Android|iOS)\b/.test(navigator.userAgent)) {
    document.documentElement.classList.add("telegram-in-app");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", offerMiniApp);
  } else {
    offerMiniApp();
  }

  // Copy buttons: the clipboard where allowed, otherwise select the text for Ctrl+C.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    var input = button.parentElement.querySelector("input");
    var done = function () {
      button.textContent = button.getAttribute("data-copied-label") || "Copied";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {
        if (input) input.select();
      });
    } else if (input) {
      input.select();
    }
  });
})();
