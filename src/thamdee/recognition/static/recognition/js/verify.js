/* The verification page's QR reader: the phone's camera (getUserMedia) or a photo of the QR, decoded with jsQR
   (served by this site). A QR that leads to this site's verification page is opened; anything else is refused.
   No inline script anywhere (CSP). */
(function () {
  "use strict";

  var root = document.querySelector("[data-qr-reader]");
  if (!root || typeof window.jsQR !== "function") { return; }
  var video = root.querySelector("[data-qr-video]");
  var canvas = root.querySelector("[data-qr-canvas]");
  var start = root.querySelector("[data-qr-start]");
  var stop = root.querySelector("[data-qr-stop]");
  var file = root.querySelector("[data-qr-file]");
  var error = root.querySelector("[data-qr-error]");
  var stream = null;

  function show(el, visible) { if (el) { el.classList.toggle("d-none", !visible); } }
  function fail(key) { error.textContent = error.getAttribute("data-msg-" + key) || ""; show(error, true); }

  function open(text) {
    var url;
    try { url = new URL(text, window.location.href); } catch (e) { fail("foreign"); return false; }
    if (url.origin !== window.location.origin || url.pathname.indexOf("/recognition/verify/") !== 0) {
      fail("foreign");
      return false;
    }
    window.location.assign(url.href);
    return true;
  }

  function decode(source, width, height) {
    var scale = Math.min(1, 1024 / Math.max(width, height));
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
    var pixels = ctx.getImageData(0, 0, canvas.width, canvas.height);
    return window.jsQR(pixels.data, pixels.width, pixels.height);
  }

  function halt() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    show(video, false); show(stop, false); show(start, true);
  }

  function tick() {
    if (!stream) { return; }
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      var found = decode(video, video.videoWidth, video.videoHeight);
      if (found && found.data) { halt(); open(found.data); return; }
    }
    window.requestAnimationFrame(tick);
  }

  start.addEventListener("click", function () {
    show(error, false);
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { fail("camera"); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      show(video, true); show(stop, true); show(start, false);
      video.play();
      window.requestAnimationFrame(tick);
    }).catch(function () { fail("camera"); });
  });
  stop.addEventListener("click", halt);

  file.addEventListener("change", function () {
    show(error, false);
    var chosen = file.files && file.files[0];
    if (!chosen) { return; }
    var url = URL.createObjectURL(chosen);
    var img = new Image();
    img.onload = function () {
      var width = img.naturalWidth || 512, height = img.naturalHeight || 512;
      if (width < 300) { height = Math.round(height * 600 / width); width = 600; }
      var found = decode(img, width, height);
      URL.revokeObjectURL(url);
      if (found && found.data) { open(found.data); } else { fail("none"); }
    };
    img.onerror = function () { URL.revokeObjectURL(url); fail("none"); };
    img.src = url;
  });
})();
