// edxlab: small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Import job page: poll the job's JSON and update the progress bar; reload when it ends.
  function pollJob(el) {
    var url = el.getAttribute("data-job-url");
    var bar = el.querySelector("progress");
    var step = el.querySelector(".step");
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          if (bar) { bar.value = job.fraction; }
          if (step) { step.textContent = job.step; }
          if (job.done) { window.location.reload(); } else { setTimeout(tick, 500); }
        })
        .catch(function () { setTimeout(tick, 2000); });
    }
    setTimeout(tick, 300);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-job-url]").forEach(pollJob);
    // Embedded reports (same origin) take the height of their content.
    document.querySelectorAll("iframe.report-frame").forEach(function (frame) {
      frame.addEventListener("load", function () {
        try { frame.style.height = (frame.contentDocument.body.scrollHeight + 40) + "px"; } catch (e) { /* keep default */ }
      });
    });
    // Selects and checkboxes in a filter form submit it on change.
    document.querySelectorAll("form.autosubmit select, form.autosubmit input[type=checkbox]")
      .forEach(function (el) { el.addEventListener("change", function () { el.form.submit(); }); });
  });
})();
