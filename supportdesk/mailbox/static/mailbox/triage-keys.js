// Keyboard shortcuts of the triage page and the undo toast's countdown.
// Load with: <script src="{% static 'mailbox/triage-keys.js' %}" nonce="{{ csp_nonce }}" defer></script>
// No inline code: works under the strict CSP. Without script the page's forms work as they are.
//
// j/k or arrows: next/previous mail · Enter/o: open · t: create ticket · a: add to ticket
// r: answer · f: forward · x: select · z/u: undo · ?: help. Nothing fires while typing in a field.
// The add-to-ticket finder (a combobox whose suggestions htmx loads): ↑/↓ move through them,
// Enter takes the number into the field (Enter again adds the mail), Escape closes the list.
(function () {
  "use strict";

  var mails = Array.prototype.slice.call(document.querySelectorAll("[data-triage-mail]"));
  var help = document.getElementById("triage-help");
  var current = -1;
  var lastFocus = null;

  function typing(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function setCurrent(index, quiet) {
    if (!mails.length) {
      return;
    }
    index = Math.max(0, Math.min(mails.length - 1, index));
    if (current >= 0 && mails[current]) {
      mails[current].classList.remove("is-current");
      mails[current].removeAttribute("aria-current");
    }
    current = index;
    var mail = mails[current];
    mail.classList.add("is-current");
    mail.setAttribute("aria-current", "true");
    if (!quiet) {
      mail.focus({ preventScroll: true });
      mail.scrollIntoView({ block: "nearest" });
    }
  }

  function currentMail() {
    if (current < 0 && mails.length) {
      setCurrent(0);
    }
    return mails[current] || null;
  }

  function form(mail, action) {
    return mail ? mail.querySelector('form[data-action="' + action + '"]') : null;
  }

  function submit(formElement) {
    if (!formElement) {
      return;
    }
    if (formElement.requestSubmit) {
      formElement.requestSubmit();
    } else {
      formElement.submit();
    }
  }

  function focusField(formElement, selector) {
    var field = formElement && formElement.querySelector(selector);
    if (field) {
      field.focus();
      if (field.select && field.tagName.toLowerCase() === "input") {
        field.select();
      }
    }
  }

  function selectedCount() {
    return document.querySelectorAll('input[name="mails"][form="bulk-form"]:checked').length;
  }

  function bulk(action) {
    var bulkForm = document.getElementById("bulk-form");
    var select = document.getElementById("bulk-action");
    if (!bulkForm || !select) {
      return;
    }
    select.value = action;
    var colleague = document.getElementById("bulk-colleague");
    if (action === "forward" && colleague && !colleague.value) {
      colleague.focus();
      return;
    }
    submit(bulkForm);
  }

  function toggleSelect(mail) {
    var box = mail && mail.querySelector('input[name="mails"]');
    if (box) {
      box.checked = !box.checked;
      mail.classList.toggle("is-selected", box.checked);
    }
  }

  function toggleOpen(mail) {
    if (!mail) {
      return;
    }
    var open = !mail.classList.contains("is-open");
    mail.classList.toggle("is-open", open);
    Array.prototype.forEach.call(mail.querySelectorAll("details"), function (details) {
      details.open = open;
    });
  }

  function undo() {
    var undoForm = document.getElementById("triage-undo-form");
    if (undoForm && !undoForm.hidden) {
      submit(undoForm);
    }
  }

  function showHelp(show) {
    if (!help) {
      return;
    }
    if (show) {
      lastFocus = document.activeElement;
      help.hidden = false;
      var close = help.querySelector("[data-triage-help-close]");
      if (close) {
        close.focus();
      }
    } else {
      help.hidden = true;
      if (lastFocus && lastFocus.focus) {
        lastFocus.focus({ preventScroll: true });
      }
    }
  }

  function onKey(event) {
    if (event.defaultPrevented || event.altKey || event.isComposing) {
      return;
    }
    var target = event.target;
    // In the answer field, Ctrl+Enter (Cmd+Enter) sends; otherwise a field keeps its keys.
    if (typing(target)) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.form) {
        event.preventDefault();
        submit(target.form);
      } else if (event.key === "Escape") {
        target.blur();
        var mail = target.closest("[data-triage-mail]");
        if (mail) {
          setCurrent(mails.indexOf(mail));
        }
      }
      return;
    }
    if (event.ctrlKey || event.metaKey) {
      return;
    }
    if (help && !help.hidden) {
      if (event.key === "Escape" || event.key === "?") {
        event.preventDefault();
        showHelp(false);
      }
      return;
    }
    // A focused button or link keeps Enter for itself.
    var onControl = target && target.closest && target.closest("a, button, summary");
    var handled = true;
    switch (event.key) {
      case "j":
      case "ArrowDown":
        setCurrent(current + 1);
        break;
      case "k":
      case "ArrowUp":
        setCurrent(current < 0 ? 0 : current - 1);
        break;
      case "Enter":
      case "o":
        if (onControl && event.key === "Enter") {
          handled = false;
        } else {
          toggleOpen(currentMail());
        }
        break;
      case "t":
        if (selectedCount()) {
          bulk("create_ticket");
        } else {
          submit(form(currentMail(), "create"));
        }
        break;
      case "a":
        focusField(form(currentMail(), "add"), 'input[name$="-ticket"]');
        break;
      case "r":
        focusField(form(currentMail(), "reply"), "textarea");
        break;
      case "f":
        if (selectedCount()) {
          bulk("forward");
          break;
        }
        var forward = form(currentMail(), "forward");
        var colleague = forward && forward.querySelector("select");
        if (colleague && colleague.value) {
          submit(forward);
        } else if (colleague) {
          colleague.focus();
        }
        break;
      case "x":
        toggleSelect(currentMail());
        break;
      case "z":
      case "u":
        undo();
        break;
      case "?":
        showHelp(true);
        break;
      default:
        handled = false;
    }
    if (handled) {
      event.preventDefault();
    }
  }

  // --- the add-to-ticket finder ------------------------------------------------------

  function finderList(input) {
    return document.getElementById(input.getAttribute("aria-controls"));
  }

  function finderOptions(list) {
    return list && !list.hidden ? Array.prototype.slice.call(list.querySelectorAll("[data-ticket-candidate]")) : [];
  }

  function finderOpen(input, open) {
    var list = finderList(input);
    if (list) {
      list.hidden = !open;
    }
    input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function finderActivate(input, options, index) {
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
      option.classList.toggle("is-active", i === index);
    });
    input.setAttribute("aria-activedescendant", options[index].id);
    options[index].scrollIntoView({ block: "nearest" });
  }

  function finderChoose(input, option) {
    input.value = option.getAttribute("data-number");
    finderOpen(input, false);
    input.focus();
  }

  function onFinderKey(event) {
    var input = event.target;
    if (!input || !input.matches || !input.matches("[data-ticket-finder]") || event.isComposing) {
      return;
    }
    var options = finderOptions(finderList(input));
    var active = options.findIndex(function (option) {
      return option.getAttribute("aria-selected") === "true";
    });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) {
        return;
      }
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = active < 0 ? (step > 0 ? 0 : options.length - 1) : (active + step + options.length) % options.length;
      finderActivate(input, options, next);
    } else if (event.key === "Enter" && !event.ctrlKey && !event.metaKey && active >= 0) {
      event.preventDefault(); // the first Enter takes the ticket, the next one adds the mail
      finderChoose(input, options[active]);
    } else if (event.key === "Escape" && options.length) {
      event.preventDefault(); // a second Escape leaves the field
      finderOpen(input, false);
    }
  }

  // Capture phase: the finder sees its keys before the page's shortcuts do.
  document.addEventListener("keydown", onFinderKey, true);
  document.addEventListener("keydown", onKey);
  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("[data-ticket-candidate]");
    var list = option && option.closest("[role=listbox]");
    var input = list && document.querySelector('[data-ticket-finder][aria-controls="' + list.id + '"]');
    if (input) {
      finderChoose(input, option);
    }
  });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    var list = event.detail && event.detail.elt;
    var input = list && list.id && document.querySelector('[data-ticket-finder][aria-controls="' + list.id + '"]');
    if (input) {
      input.setAttribute("aria-expanded", list.hidden ? "false" : "true");
      // settling ends a moment after the swap: keep a choice already made among the new options
      var active = input.getAttribute("aria-activedescendant");
      if (active && !list.querySelector('[id="' + active + '"]')) {
        input.removeAttribute("aria-activedescendant");
      }
    }
  });

  mails.forEach(function (mail, index) {
    mail.addEventListener("focusin", function () {
      if (current !== index) {
        if (current >= 0 && mails[current]) {
          mails[current].classList.remove("is-current");
          mails[current].removeAttribute("aria-current");
        }
        current = index;
        mail.classList.add("is-current");
        mail.setAttribute("aria-current", "true");
      }
    });
    var box = mail.querySelector('input[name="mails"]');
    if (box) {
      box.addEventListener("change", function () {
        mail.classList.toggle("is-selected", box.checked);
      });
    }
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-triage-help-open]"), function (button) {
    button.addEventListener("click", function () {
      showHelp(true);
    });
  });
  if (help) {
    Array.prototype.forEach.call(help.querySelectorAll("[data-triage-help-close]"), function (button) {
      button.addEventListener("click", function () {
        showHelp(false);
      });
    });
    help.addEventListener("click", function (event) {
      if (event.target === help) {
        showHelp(false);
      }
    });
  }

  // The toast counts down the seconds the server gave it; at zero the undo button goes away.
  var toast = document.getElementById("triage-toast");
  if (toast) {
    var seconds = parseInt(toast.getAttribute("data-seconds"), 10) || 0;
    var counter = toast.querySelector("[data-countdown]");
    var undoForm = document.getElementById("triage-undo-form");
    var expired = toast.querySelector(".triage-toast-expired");
    var deadline = Date.now() + seconds * 1000;
    var timer = window.setInterval(function () {
      var left = Math.ceil((deadline - Date.now()) / 1000);
      if (left > 0) {
        if (counter) {
          counter.textContent = String(left);
        }
        return;
      }
      window.clearInterval(timer);
      if (undoForm) {
        undoForm.hidden = true;
      }
      if (expired) {
        expired.hidden = false;
      }
      window.setTimeout(function () {
        toast.hidden = true;
      }, 4000);
    }, 250);
  }

  // The first mail is current from the start (marked, not focused: the page does not jump).
  if (mails.length) {
    setCurrent(0, true);
  }
})();
