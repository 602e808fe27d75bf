/* polybot: positions page. The open positions are re-rendered every few
 * seconds (socket pushes and polling); a swap would throw a phone reader
 * back to the left edge of a table they had scrolled sideways. Remember each
 * [data-keep-scroll] table's offset and put it back on the fresh copy. */
(function () {
  "use strict";

  var offsets = {};

  document.addEventListener(
    "scroll",
    function (event) {
      var el = event.target;
      if (el instanceof Element && el.hasAttribute("data-keep-scroll")) {
        offsets[el.getAttribute("data-keep-scroll")] = el.scrollLeft;
      }
    },
    true
  );

  document.addEventListener("htmx:load", function (event) {
    var root = event.detail && event.detail.elt;
    if (!(root instanceof Element)) return;
    var found = root.querySelectorAll("[data-keep-scroll]");
    var all = root.hasAttribute("data-keep-scroll") ? [root] : [];
    for (var i = 0; i < found.length; i++) all.push(found[i]);
    for (var j = 0; j < all.length; j++) {
      var left = offsets[all[j].getAttribute("data-keep-scroll")];
      if (left) all[j].scrollLeft = left;
    }
  });
})();
