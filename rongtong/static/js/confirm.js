// The second step of an irreversible action: forms with data-confirm ask in a <dialog>
// and post with confirm=1 on yes. Without this script the server asks on its own page.
(function () {
  "use strict";
  if (typeof HTMLDialogElement !== "function") {
    return;
  }
  var lang = document.documentElement.lang || "zh-CN";
  var cancelWord = lang.indexOf("en") === 0 ? "Cancel" : "取消";

  // A button may ask its own question (one form, several actions); else the form asks.
  function question(form, submitter) {
    return (
      (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm")
    );
  }

  function dialogFor(form, submitter) {
    var dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-text");
    var text = document.createElement("p");
    text.id = "confirm-dialog-text";
    text.textContent = question(form, submitter);
    var row = document.createElement("p");
    row.className = "confirm-actions";
    var yes = document.createElement("button");
    yes.type = "button";
    yes.className = "button danger";
    yes.textContent =
      (submitter && submitter.getAttribute("data-confirm-label")) ||
      form.getAttribute("data-confirm-label") ||
      (submitter && submitter.textContent.trim()) ||
      "OK";
    var no = document.createElement("button");
    no.type = "button";
    no.className = "button secondary";
    no.textContent = cancelWord;
    row.appendChild(yes);
    row.appendChild(no);
    dialog.appendChild(text);
    dialog.appendChild(row);
    no.addEventListener("click", function () {
      dialog.close();
    });
    dialog.addEventListener("close", function () {
      dialog.remove();
      if (submitter) {
        submitter.focus();
      }
    });
    yes.addEventListener("click", function () {
      var flag = document.createElement("input");
      flag.type = "hidden";
      flag.name = "confirm";
      flag.value = "1";
      form.appendChild(flag);
      if (submitter && submitter.name) {
        var pressed = document.createElement("input");
        pressed.type = "hidden";
        pressed.name = submitter.name;
        pressed.value = submitter.value;
        form.appendChild(pressed);
      }
      var target = submitter && submitter.getAttribute("formaction");
      if (target) {
        form.setAttribute("action", target);
      }
      dialog.close();
      HTMLFormElement.prototype.submit.call(form);
    });
    document.body.appendChild(dialog);
    return dialog;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter || null;
    if (!(form instanceof HTMLFormElement) || !question(form, submitter)) {
      return;
    }
    if (form.querySelector('input[name="confirm"][value="1"]')) {
      return;
    }
    if (!form.checkValidity()) {
      return;
    }
    event.preventDefault();
    dialogFor(form, submitter).showModal();
  });
})();
