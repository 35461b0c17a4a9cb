/* vCard drop zones: dropped .vcf files go into the zone's file input, then its form is posted
   (a normal multipart POST carrying the CSRF token). Without JavaScript the file input and the
   submit button do the same. Also closes the list's VCF export dialog once it is submitted. */
(function () {
  "use strict";
  if (window.vcardDropzoneReady) { return; }
  window.vcardDropzoneReady = true;

  function describe(zone, files) {
    var label = zone.querySelector(".vcf-chosen");
    if (!label) { return; }
    var names = Array.prototype.map.call(files, function (file) { return file.name; });
    label.textContent = names.join(", ");
  }

  function submit(zone) {
    var form = zone.closest("form");
    if (!form) { return; }
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  function setup(zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input) { return; }
    zone.classList.add("js");
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.remove("dragging");
      });
    });
    zone.addEventListener("drop", function (event) {
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) { return; }
      input.files = files;
      describe(zone, files);
      if (zone.dataset.autosubmit) { submit(zone); }
    });
    input.addEventListener("change", function () {
      describe(zone, input.files);
      if (zone.dataset.autosubmit && input.files.length) { submit(zone); }
    });
  }

  // The list's "Export en VCF" dialog answers with a download, not a new page: close it.
  document.addEventListener("submit", function (event) {
    var dialog = event.target.closest && event.target.closest("#dlg-vcf");
    if (dialog) { setTimeout(function () { dialog.close(); }, 0); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-vcf-dropzone]"), setup);
  });
})();
