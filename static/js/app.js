/* polybot: only what htmx attributes cannot do (STYLE §3).
 *
 * Loaded synchronously in <head> so the theme is set before the first paint;
 * everything else waits for the DOM. No inline scripts anywhere (CSP).
 */
(function () {
  "use strict";

  var THEME_KEY = "polybot-theme";
  var TOAST_MS = 6000;
  var root = document.documentElement;

  // ---- theme -------------------------------------------------------------

  function storedTheme() {
    try {
      var value = window.localStorage.getItem(THEME_KEY);
      return value === "dark" || value === "light" ? value : null;
    } catch (e) {
      return null; // storage disabled: follow the system
    }
  }

  function systemTheme() {
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches
      ? "dark"
      : "light";
  }

  function applyTheme(theme) {
    root.setAttribute("data-theme", theme);
    var buttons = document.querySelectorAll("[data-theme-toggle]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute(
        "aria-label",
        theme === "dark" ? "Switch to light theme" : "Switch to dark theme"
      );
      buttons[i].setAttribute("title", buttons[i].getAttribute("aria-label"));
    }
  }

  function toggleTheme() {
    var next = root.getAttribute("data-theme") === "dark" ? "light" : "dark";
    try {
      window.localStorage.setItem(THEME_KEY, next);
    } catch (e) {
      /* not persisted; still switch for this page */
    }
    applyTheme(next);
  }

  applyTheme(storedTheme() || systemTheme());

  if (window.matchMedia) {
    var query = window.matchMedia("(prefers-color-scheme: dark)");
    var follow = function () {
      if (!storedTheme()) applyTheme(systemTheme());
    };
    if (query.addEventListener) query.addEventListener("change", follow);
  }

  // Another tab switched the theme.
  window.addEventListener("storage", function (event) {
    if (event.key === THEME_KEY) applyTheme(storedTheme() || systemTheme());
  });

  // ---- toasts --------------------------------------------------------------

  function dismiss(toast) {
    if (!toast || toast.classList.contains("is-leaving")) return;
    toast.classList.add("is-leaving");
    window.setTimeout(function () {
      if (toast.parentNode) toast.parentNode.removeChild(toast);
    }, 200);
  }

  function scheduleToasts(scope) {
    var toasts = Array.prototype.slice.call(scope.querySelectorAll("[data-autodismiss]"));
    if (scope.matches && scope.matches("[data-autodismiss]")) toasts.push(scope);
    for (var i = 0; i < toasts.length; i++) {
      var toast = toasts[i];
      if (toast.hasAttribute("data-timer")) continue;
      toast.setAttribute("data-timer", "");
      window.setTimeout(dismiss.bind(null, toast), TOAST_MS);
    }
  }

  // ---- navigation drawer and menus -----------------------------------------

  function setNav(open) {
    document.body.classList.toggle("nav-is-open", open);
    var toggles = document.querySelectorAll("[data-nav-toggle]");
    for (var i = 0; i < toggles.length; i++) {
      toggles[i].setAttribute("aria-expanded", open ? "true" : "false");
    }
  }

  function closeMenus(except) {
    var open = document.querySelectorAll("details[data-menu][open]");
    for (var i = 0; i < open.length; i++) {
      if (open[i] !== except) open[i].removeAttribute("open");
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;

    if (target.closest("[data-theme-toggle]")) {
      toggleTheme();
      return;
    }
    var dismissButton = target.closest("[data-dismiss]");
    if (dismissButton) {
      dismiss(dismissButton.closest("[data-dismissible]"));
      return;
    }
    if (target.closest("[data-nav-toggle]")) {
      setNav(!document.body.classList.contains("nav-is-open"));
      return;
    }
    if (target.closest("[data-nav-close]")) {
      setNav(false);
      return;
    }
    closeMenus(target.closest("details[data-menu]"));
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    setNav(false);
    closeMenus(null);
  });

  // ---- orders placed elsewhere ----------------------------------------------
  // The header's trading state (pushed over the account socket, polled every
  // 30 s without it) carries the id of the newest order. When it changes, an
  // order was placed by a strategy, the API or another tab: the order lists
  // on this page reload themselves on "orders-changed".

  var latestOrder = null;

  function checkLatestOrder() {
    var state = document.getElementById("trading-state");
    var latest = state ? state.getAttribute("data-latest-order") : null;
    if (latest === null) return;
    if (latestOrder !== null && latest !== latestOrder && window.htmx) {
      window.htmx.trigger(document.body, "orders-changed");
    }
    latestOrder = latest;
  }

  document.addEventListener("htmx:wsAfterMessage", checkLatestOrder);
  document.addEventListener("htmx:afterSettle", checkLatestOrder);

  // ---- open order details survive a reload ----------------------------------
  // An order list that reloads itself (a new order, the 15 s refresh) would
  // close every order's details the trader had opened: note which were open
  // and open them again once the fresh list is in.

  var reopen = [];

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!(target instanceof Element)) return;
    var open = target.querySelectorAll("tr.order-detail-row[id]");
    for (var i = 0; i < open.length; i++) {
      reopen.push(open[i].id.replace(/-detail$/, ""));
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    var ids = reopen;
    reopen = [];
    for (var i = 0; i < ids.length; i++) {
      var row = document.getElementById(ids[i]);
      var next = row ? row.nextElementSibling : null;
      if (!row || (next && next.classList.contains("order-detail-row"))) continue;
      var expand = row.querySelector(".order-expand");
      if (expand && window.htmx) window.htmx.trigger(expand, "click");
    }
  });

  // ---- start-up ------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", function () {
    applyTheme(root.getAttribute("data-theme") || systemTheme()); // label the buttons
    scheduleToasts(document);
    checkLatestOrder();
  });

  // Content swapped in by htmx (including toasts sent out of band).
  document.addEventListener("htmx:load", function (event) {
    scheduleToasts(event.target instanceof Element ? event.target : document);
  });
})();
