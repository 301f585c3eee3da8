/* Thamdee's own script: no inline script anywhere (CSP), so page behaviour is wired here by data attributes. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Every htmx request carries the CSRF token.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // Area picker: the hidden field follows the deepest chosen select; a search pick sets it directly.
  function pickerValue(picker) {
    var value = "";
    picker.querySelectorAll("select[data-area-level]").forEach(function (select) {
      if (select.value) { value = select.value; }
    });
    return value;
  }
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-area-level]");
    if (!select) { return; }
    var picker = select.closest("[data-area-picker]");
    var hidden = picker.querySelector("[data-area-value]");
    // Lower levels are reset by the server's out-of-band swap; the value is the deepest choice left.
    var levels = ["province", "district", "subdistrict", "village"];
    var index = levels.indexOf(select.getAttribute("data-area-level"));
    picker.querySelectorAll("select[data-area-level]").forEach(function (other) {
      if (levels.indexOf(other.getAttribute("data-area-level")) > index) { other.value = ""; }
    });
    hidden.value = pickerValue(picker);
  });
  document.addEventListener("click", function (event) {
    var choice = event.target.closest("[data-area-choice]");
    if (!choice) { return; }
    var picker = choice.closest("[data-area-picker]");
    picker.querySelector("[data-area-value]").value = choice.getAttribute("data-area-choice");
    picker.querySelectorAll("select[data-area-level]").forEach(function (select) { select.value = ""; });
    var search = picker.querySelector('input[type="search"]');
    if (search) { search.value = choice.textContent.trim(); }
    choice.parentElement.innerHTML = "";
  });

  // Confirm before destructive or irreversible actions: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // "Select all" boxes for bulk actions: <input type="checkbox" data-check-all="name">.
  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-check-all]");
    if (!box) { return; }
    var name = box.getAttribute("data-check-all");
    document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (item) {
      item.checked = box.checked;
    });
  });

  // Auto-submit selects (filters): <select data-autosubmit>.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-autosubmit]");
    if (select && select.form) { select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit(); }
  });

  // Print buttons.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
})();
