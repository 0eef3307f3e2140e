// Evidence upload from the session page (console/oversight/session.html): the file's
// SHA-256 in the browser (read a slice at a time), then the console's multipart start (the API's own service), each
// part PUT straight to the object store's presigned URL with a progress bar, then complete
// (the server checks size, SHA-256 and type) and the verified SHA-256 shown.
(function () {
  "use strict";

  // SHA-256 over the file a slice at a time (WebCrypto hashes only a whole buffer, and a
  // recording of several gigabytes does not fit in a tab's memory). FIPS 180-4.
  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  var HASH_SLICE = 4 * 1024 * 1024;

  function Sha256() {
    this.state = new Uint32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]);
    this.words = new Uint32Array(64);
    this.pending = new Uint8Array(64);
    this.pendingLength = 0;
    this.length = 0;
  }

  Sha256.prototype.block = function (bytes, at) {
    var w = this.words, s = this.state, i, t1, t2;
    for (i = 0; i < 16; i++) {
      w[i] = (bytes[at + 4 * i] << 24) | (bytes[at + 4 * i + 1] << 16) |
        (bytes[at + 4 * i + 2] << 8) | bytes[at + 4 * i + 3];
    }
    for (i = 16; i < 64; i++) {
      var a = w[i - 15], b = w[i - 2];
      var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    var h0 = s[0], h1 = s[1], h2 = s[2], h3 = s[3], h4 = s[4], h5 = s[5], h6 = s[6], h7 = s[7];
    for (i = 0; i < 64; i++) {
      t1 = (h7 + (((h4 >>> 6) | (h4 << 26)) ^ ((h4 >>> 11) | (h4 << 21)) ^ ((h4 >>> 25) | (h4 << 7))) +
        ((h4 & h5) ^ (~h4 & h6)) + K[i] + w[i]) | 0;
      t2 = ((((h0 >>> 2) | (h0 << 30)) ^ ((h0 >>> 13) | (h0 << 19)) ^ ((h0 >>> 22) | (h0 << 10))) +
        ((h0 & h1) ^ (h0 & h2) ^ (h1 & h2))) | 0;
      h7 = h6; h6 = h5; h5 = h4; h4 = (h3 + t1) | 0;
      h3 = h2; h2 = h1; h1 = h0; h0 = (t1 + t2) | 0;
    }
    s[0] += h0; s[1] += h1; s[2] += h2; s[3] += h3; s[4] += h4; s[5] += h5; s[6] += h6; s[7] += h7;
  };

  Sha256.prototype.update = function (bytes) {
    var at = 0;
    this.length += bytes.length;
    if (this.pendingLength) {
      var take = Math.min(64 - this.pendingLength, bytes.length);
      this.pending.set(bytes.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      at = take;
      if (this.pendingLength < 64) return;
      this.block(this.pending, 0);
      this.pendingLength = 0;
    }
    for (; at + 64 <= bytes.length; at += 64) this.block(bytes, at);
    this.pending.set(bytes.subarray(at), 0);
    this.pendingLength = bytes.length - at;
  };

  Sha256.prototype.hex = function () {
    var bits = this.length * 8;
    var tail = new Uint8Array(this.pendingLength < 56 ? 64 : 128);
    tail.set(this.pending.subarray(0, this.pendingLength));
    tail[this.pendingLength] = 0x80;
    var view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(tail.length - 4, bits >>> 0);
    for (var at = 0; at < tail.length; at += 64) this.block(tail, at);
    return Array.prototype.map
      .call(this.state, function (word) { return (word >>> 0).toString(16).padStart(8, "0"); })
      .join("");
  };

  async function sha256Of(file, onProgress) {
    var hash = new Sha256();
    for (var at = 0; at < file.size; at += HASH_SLICE) {
      var slice = file.slice(at, Math.min(at + HASH_SLICE, file.size));
      hash.update(new Uint8Array(await slice.arrayBuffer()));
      onProgress(Math.min(at + HASH_SLICE, file.size));
    }
    return hash.hex();
  }

  // A form post (the console's CSRF token in it), answered in JSON.
  function post(form, url, fields) {
    var body = new URLSearchParams(fields);
    body.set("_csrf_token", form.querySelector('input[name="_csrf_token"]').value);
    return fetch(url, { method: "POST", credentials: "same-origin", body: body }).then(
      function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      }
    );
  }

  function putPart(url, blob, onProgress) {
    return new Promise(function (resolve, reject) {
      var request = new XMLHttpRequest();
      request.open("PUT", url);
      request.upload.onprogress = function (event) { onProgress(event.loaded); };
      request.onload = function () {
        if (request.status >= 200 && request.status < 300) resolve();
        else reject(new Error("HTTP " + request.status));
      };
      request.onerror = function () { reject(new Error("network")); };
      request.send(blob);
    });
  }

  async function upload(form) {
    var file = form.querySelector('input[type="file"]').files[0];
    var progress = form.querySelector("progress");
    var status = form.querySelector('[role="status"]');
    var button = form.querySelector('button[type="submit"]');
    if (!file) return;
    button.disabled = true;
    progress.value = 0;
    try {
      status.textContent = form.dataset.textHashing;
      var sha256 = await sha256Of(file, function (hashed) {
        progress.value = Math.round((hashed / file.size) * 100);
      });
      progress.value = 0;
      var started = await post(form, form.dataset.startUrl, {
        filename: file.name,
        size: String(file.size),
        sha256: sha256,
        content_type: file.type || "application/octet-stream",
        description: form.querySelector('input[name="description"]').value,
      });
      status.textContent = form.dataset.textUploading;
      var sent = 0;
      for (var i = 0; i < started.parts.length; i++) {
        var part = started.parts[i];
        var blob = file.slice(part.offset, part.offset + part.length);
        await putPart(part.url, blob, function (loaded) {
          progress.value = Math.round(((sent + loaded) / file.size) * 100);
        });
        sent += part.length;
      }
      progress.value = 100;
      var url = form.dataset.completeUrl.replace("{id}", started.evidence.evidence_id);
      var stored = await post(form, url, {});
      status.textContent = form.dataset.textDone + " SHA-256: " + stored.sha256;
      var item = document.createElement("li");
      var code = document.createElement("code");
      code.textContent = stored.sha256;
      item.textContent = stored.name + " · SHA-256 ";
      item.appendChild(code);
      document.getElementById("evidence-list").appendChild(item);
      form.reset();
    } catch (error) {
      status.textContent = form.dataset.textFailed;
    } finally {
      button.disabled = false;
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-evidence-upload]")) return;
    event.preventDefault();
    upload(form);
  });
})();
