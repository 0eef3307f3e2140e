// The reclassify form (console/queue/_actions.html): a group of fields for one kind of
// petition only (who a denunciation is about) is shown while that kind is chosen, and
// disabled otherwise so that nothing of it is sent. Without this script the fields are
// simply there, with a hint saying when they count.
(function () {
  "use strict";

  function sync(form) {
    var kind = form.querySelector('select[name="kind"]');
    if (!kind) return;
    form.querySelectorAll("fieldset[data-shown-for-kind]").forEach(function (group) {
      // A group the server found an error in stays in sight, whatever the kind.
      var off = group.dataset.shownForKind !== kind.value && !group.querySelector(".has-error");
      group.hidden = off;
      group.disabled = off;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "kind" && target.form) sync(target.form);
  });
  document.querySelectorAll("form.action-form").forEach(sync);
})();
