/* The partner's scan page: read a voucher's QR with the phone's camera (getUserMedia + jsQR, both served by this
   site), put what it says into the code field and look the voucher up. Without a camera, or if the person says no,
   the typed-code form works on its own. No inline script anywhere (CSP). */
(function () {
  "use strict";

  var root = document.querySelector("[data-scanner]");
  var form = document.querySelector("[data-scan-form]");
  if (!root || !form) { return; }
  var video = root.querySelector("[data-scan-video]");
  var canvas = root.querySelector("[data-scan-canvas]");
  var start = root.querySelector("[data-scan-start]");
  var stop = root.querySelector("[data-scan-stop]");
  var error = root.querySelector("[data-scan-error]");
  var input = form.querySelector("[data-scan-input]");
  var stream = null;
  var running = false;

  function show(el, visible) { if (el) { el.classList.toggle("d-none", !visible); } }

  function halt() {
    running = false;
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    show(video, false);
    show(stop, false);
    show(start, true);
  }

  function submitWith(text) {
    input.value = text;
    var lookup = form.querySelector('button[name="action"][value="lookup"]');
    if (form.requestSubmit) { form.requestSubmit(lookup || undefined); } else { form.submit(); }
  }

  function tick() {
    if (!running) { return; }
    if (video.readyState === video.HAVE_ENOUGH_DATA && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR ? window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" }) : null;
      if (found && found.data) {
        halt();
        submitWith(found.data);
        return;
      }
    }
    window.requestAnimationFrame(tick);
  }

  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) {
    show(start, false);
    return;
  }

  start.addEventListener("click", function () {
    show(error, false);
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.setAttribute("playsinline", "");
        show(video, true);
        show(stop, true);
        show(start, false);
        running = true;
        return video.play();
      })
      .then(function () { window.requestAnimationFrame(tick); })
      .catch(function () { halt(); show(error, true); input.focus(); });
  });
  if (stop) { stop.addEventListener("click", halt); }
  window.addEventListener("pagehide", halt);
})();
