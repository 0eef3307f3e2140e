// Evidence upload from the session page (console/oversight/session.html): the file's
// SHA-256 in the browser, then the console's multipart start (the API's own service), each
// part PUT straight to the object store's presigned URL with a progress bar, then complete
// (the server checks size, SHA-256 and type) and the verified SHA-256 shown.
(function () {
  "use strict";

  function hex(buffer) {
    return Array.prototype.map
      .call(new Uint8Array(buffer), function (b) { return b.toString(16).padStart(2, "0"); })
      .join("");
  }

  function postJson(form, url, body) {
    var token = form.querySelector('input[name="_csrf_token"]').value;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
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
      var sha256 = hex(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
      var description = form.querySelector('input[name="description"]').value || null;
      var started = await postJson(form, form.dataset.startUrl, {
        filename: file.name,
        size: file.size,
        sha256: sha256,
        content_type: file.type || "application/octet-stream",
        description: description,
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
      var stored = await postJson(form, url, {});
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
