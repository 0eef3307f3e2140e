// The live log of a supervision session (console/oversight/session.html).
// The htmx SSE extension appends each entry the stream sends. A browser that reconnects by
// itself sends Last-Event-ID; when htmx opens a new connection instead, it asks from the
// URL's `after`, kept here at the last entry shown. An entry already shown is skipped, so
// a reconnection never shows one twice.
(function () {
  "use strict";

  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    var log = event.target;
    if (!log.hasAttribute || !log.hasAttribute("data-live-log")) return;
    var seq = parseInt(event.detail.lastEventId, 10);
    var after = parseInt(log.getAttribute("data-after"), 10) || 0;
    if (!(seq > after)) {
      event.preventDefault();
      return;
    }
    log.setAttribute("data-after", String(seq));
    var url = log.getAttribute("sse-connect");
    if (url) log.setAttribute("sse-connect", url.replace(/([?&]after=)\d+/, "$1" + seq));
    var empty = document.querySelector(".log-empty");
    if (empty) empty.remove();
  });

  // The input box answers 422 with its errors: show them (htmx swaps only 2xx by default).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.elt && event.detail.elt.id === "entry-form" && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After sending, the fresh box has the focus again: the writer keeps typing.
  document.addEventListener("htmx:afterSwap", function (event) {
    var form = document.getElementById("entry-form");
    if (form && event.detail.elt === form) {
      var text = form.querySelector("textarea");
      if (text) text.focus();
    }
  });
})();
