/* polybot: the order ticket (templates/orders/partials/_ticket.html).
 *
 * Only what htmx attributes cannot do:
 * - quick price buttons (data-set-price) and tick steps (data-step-price) set
 *   the price and fire input/change, so htmx refreshes the preview;
 * - the order type shows the expiry only for GTD and hides post-only for
 *   FOK/FAK (their inputs are disabled while hidden, so nothing stale is sent);
 * - the size mode relabels the size box (shares or pUSD);
 * - the side colours the ticket (green buy, red sell);
 * - a pushed or polled book brings its outcome's quick prices as data
 *   (markets/partials/_quick_prices.html): they are copied onto the quick
 *   buttons of a ticket trading that outcome, so the buttons agree with the
 *   book and the outcomes table beside them.
 * Listeners sit on the document, so a ticket swapped in by htmx needs no setup.
 */
(function () {
  "use strict";

  var MICRO = 1000000; // prices have at most 6 decimals: step in whole micros

  function ticketOf(element) {
    return element && element.closest ? element.closest("form[data-ticket]") : null;
  }

  function priceInput(form) {
    return form.querySelector('input[name="price"]');
  }

  function setPrice(form, value) {
    var input = priceInput(form);
    if (!input || value === "") return;
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function places(text) {
    var dot = text.indexOf(".");
    return dot < 0 ? 0 : text.length - dot - 1;
  }

  // One tick up or down from the current price, snapping an off-tick price
  // to the next tick in that direction; clamped to [min, max].
  function stepPrice(form, direction) {
    var input = priceInput(form);
    if (!input) return;
    var stepText = input.getAttribute("step") || "0.01";
    var tick = Math.round(parseFloat(stepText) * MICRO);
    var low = Math.round(parseFloat(input.min || stepText) * MICRO);
    var high = Math.round(parseFloat(input.max || "0.99") * MICRO);
    var current = parseFloat(input.value);
    var next;
    if (isNaN(current)) {
      next = direction > 0 ? low : high;
    } else {
      var micros = Math.round(current * MICRO);
      next = direction > 0
        ? Math.floor(micros / tick) * tick + tick
        : Math.ceil(micros / tick) * tick - tick;
    }
    next = Math.min(Math.max(next, low), high);
    setPrice(form, (next / MICRO).toFixed(places(stepText)));
  }

  function show(box, visible) {
    if (!box) return;
    box.hidden = !visible;
    var inputs = box.querySelectorAll("input, select");
    for (var i = 0; i < inputs.length; i++) inputs[i].disabled = !visible;
  }

  function checkedValue(form, name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  function syncType(form) {
    var select = form.querySelector('select[name="order_type"]');
    var type = select ? select.value : "";
    show(form.querySelector("[data-ticket-gtd]"), type === "GTD");
    show(form.querySelector("[data-ticket-resting]"), type !== "FOK" && type !== "FAK");
  }

  function syncSizeMode(form) {
    var amount = checkedValue(form, "size_mode") === "amount";
    var label = form.querySelector("[data-size-label]");
    var affix = form.querySelector("[data-size-affix]");
    var help = form.querySelector("[data-size-help]");
    if (label) label.textContent = amount ? label.dataset.labelAmount : label.dataset.labelShares;
    if (affix) affix.textContent = amount ? affix.dataset.affixAmount : affix.dataset.affixShares;
    if (help) help.hidden = !amount;
  }

  function syncSide(form) {
    var card = form.closest(".ticket");
    if (card) card.classList.toggle("is-sell", checkedValue(form, "side") === "SELL");
  }

  function refreshQuick(form) {
    var token = checkedValue(form, "outcome");
    var data = token ? document.getElementById("quick-prices-" + token) : null;
    if (!data) return;
    var sell = checkedValue(form, "side") === "SELL";
    var buttons = form.querySelectorAll("[data-quick]");
    for (var i = 0; i < buttons.length; i++) {
      var kind = buttons[i].getAttribute("data-quick");
      var key = kind === "mid" ? (sell ? "midSell" : "midBuy") : kind;
      if (!(key in data.dataset)) continue; // the book did not say: keep it
      var value = data.dataset[key];
      buttons[i].setAttribute("data-set-price", value);
      buttons[i].disabled = value === "";
      buttons[i].textContent = data.dataset[key + "Text"];
    }
  }

  function refreshAllQuick() {
    var forms = document.querySelectorAll("form[data-ticket]");
    for (var i = 0; i < forms.length; i++) refreshQuick(forms[i]);
  }

  // A hidden box keeps what the server rendered (it shows a box with an
  // error even if the type would hide it); only its inputs are disabled.
  function init(scope) {
    var forms = scope.querySelectorAll ? scope.querySelectorAll("form[data-ticket]") : [];
    for (var i = 0; i < forms.length; i++) {
      var boxes = forms[i].querySelectorAll("[data-ticket-gtd], [data-ticket-resting]");
      for (var j = 0; j < boxes.length; j++) {
        if (boxes[j].hidden) show(boxes[j], false);
      }
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest
      ? event.target.closest("[data-set-price], [data-step-price]")
      : null;
    var form = ticketOf(button);
    if (!form || button.disabled) return;
    if (button.hasAttribute("data-set-price")) {
      setPrice(form, button.getAttribute("data-set-price"));
    } else {
      stepPrice(form, parseInt(button.getAttribute("data-step-price"), 10));
    }
  });

  document.addEventListener("change", function (event) {
    var form = ticketOf(event.target);
    if (!form) return;
    var name = event.target.name;
    if (name === "order_type") syncType(form);
    else if (name === "size_mode") syncSizeMode(form);
    else if (name === "side") syncSide(form);
    if (name === "side" || name === "outcome") refreshQuick(form);
  });

  // After a book arrives over the socket, or by polling while it is down.
  document.addEventListener("htmx:wsAfterMessage", refreshAllQuick);
  document.addEventListener("htmx:afterSettle", refreshAllQuick);

  // Placing the order ends any preview still on its way: its answer would
  // swap stale errors into the fresh ticket.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-ticket]")) return;
    var preview = form.querySelector(".ticket-preview");
    if (preview && window.htmx) window.htmx.trigger(preview, "htmx:abort");
  });

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
  document.addEventListener("htmx:load", function (event) {
    init(event.target);
  });
})();
