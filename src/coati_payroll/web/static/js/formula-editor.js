/* Coati Payroll: the formula editor and the concept test panel. Loaded only by the concept
   pages. No inline script: everything is wired through data-* attributes (see docs/web.md,
   "Browser test hooks").

   form[data-validate-url]           the concept form; texts in its data-text-* attributes
     textarea[data-formula-editor]   "formula" or "condition": checked as the user types
     [data-formula-status=FIELD]     data-state idle|checking|ok|error|unknown; holds
                                     [data-role=message], [data-role=caret], [data-role=names]
   [data-insert="text"]              inserts the text at the cursor of the last editor used
   form#test-panel[data-evaluate-url] evaluates the version with [data-test-input] values
*/
(function () {
  "use strict";

  var DELAY = 350;

  function csrfToken(scope) {
    var input = (scope || document).querySelector("input[name=csrf_token]") ||
      document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function postJSON(url, body, token) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": token},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        return {status: response.status, data: data};
      });
    });
  }

  function clear(element) {
    while (element.firstChild) { element.removeChild(element.firstChild); }
  }

  function make(tag, className, text) {
    var element = document.createElement(tag);
    if (className) { element.className = className; }
    if (text !== undefined && text !== null) { element.textContent = text; }
    return element;
  }

  function showCaret(pre, error) {
    clear(pre);
    if (!error || !error.line) {
      pre.hidden = true;
      pre.removeAttribute("data-line");
      pre.removeAttribute("data-column");
      pre.removeAttribute("data-position");
      return;
    }
    pre.appendChild(document.createTextNode(error.line_text + "\n"));
    pre.appendChild(make("span", "caret", error.caret));
    pre.setAttribute("data-line", error.line);
    pre.setAttribute("data-column", error.column);
    pre.setAttribute("data-position", error.position);
    pre.hidden = false;
  }

  /* ---- the editor ------------------------------------------------------------------------ */

  function Editor(form, textarea) {
    this.form = form;
    this.textarea = textarea;
    this.field = textarea.getAttribute("data-formula-editor");
    this.status = form.querySelector('[data-formula-status="' + this.field + '"]');
    this.message = this.status.querySelector("[data-role=message]");
    this.caret = this.status.querySelector("[data-role=caret]");
    this.names = this.status.querySelector("[data-role=names]");
    this.timer = null;
    this.sequence = 0;
  }

  Editor.prototype.text = function (name) {
    return this.form.getAttribute("data-text-" + name) || "";
  };

  Editor.prototype.value = function (name) {
    var element = this.form.elements.namedItem(name);
    if (!element) { return null; }
    if (element.type === "checkbox") { return element.checked; }
    return element.value;
  };

  Editor.prototype.schedule = function () {
    var self = this;
    window.clearTimeout(this.timer);
    this.setState("checking");
    this.timer = window.setTimeout(function () { self.check(); }, DELAY);
  };

  Editor.prototype.setState = function (state) {
    this.status.setAttribute("data-state", state);
    var field = this.textarea.closest(".field");
    if (state === "error") {
      this.textarea.setAttribute("aria-invalid", "true");
      if (field) { field.classList.add("has-error"); }
    } else if (state === "ok") {
      this.textarea.removeAttribute("aria-invalid");
      if (field) { field.classList.remove("has-error"); }
    }
  };

  Editor.prototype.say = function (text, error) {
    var self = this;
    clear(this.message);
    if (!text) { return; }
    var item = make("li");
    if (error && error.position !== null && error.position !== undefined) {
      var button = make("button", "go-to-error", text);
      button.type = "button";
      button.title = this.text("go");
      button.addEventListener("click", function () { self.goTo(error.position); });
      item.appendChild(button);
    } else {
      item.textContent = text;
    }
    this.message.appendChild(item);
  };

  Editor.prototype.goTo = function (position) {
    this.textarea.focus();
    this.textarea.setSelectionRange(position, Math.min(position + 1,
                                                       this.textarea.value.length));
  };

  Editor.prototype.check = function () {
    var self = this;
    var sequence = ++this.sequence;
    var body = {
      source: this.textarea.value, field: this.field, code: this.value("code"),
      kind: this.value("kind"), loan: this.value("loan") === true
    };
    postJSON(this.form.getAttribute("data-validate-url"), body, csrfToken(this.form))
      .then(function (answer) {
        if (sequence !== self.sequence) { return; }  // a newer check is on its way
        self.show(answer.status === 200 ? answer.data : null);
      })
      .catch(function () {
        if (sequence === self.sequence) { self.show(null); }
      });
  };

  Editor.prototype.show = function (data) {
    if (!data) {
      this.setState("unknown");
      this.say(this.text("failed"));
      showCaret(this.caret, null);
      return;
    }
    if (data.ok) {
      this.setState("ok");
      if (data.empty) {
        this.say(this.text("empty-condition"));
      } else {
        this.say(this.text(this.field === "condition" ? "valid-condition" : "valid"));
      }
      showCaret(this.caret, null);
    } else {
      this.setState("error");
      this.say(data.error.text, data.error);
      showCaret(this.caret, data.error);
    }
    var names = data.names || [];
    this.names.textContent = names.length ? this.text("reads") + " " + names.join(", ") : "";
  };

  /* ---- inserting names, functions and examples ------------------------------------------- */

  var lastEditor = null;

  function insert(textarea, text) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var before = textarea.value.slice(0, start), after = textarea.value.slice(end);
    textarea.value = before + text + after;
    textarea.focus();
    textarea.setSelectionRange(start + text.length, start + text.length);
    textarea.dispatchEvent(new Event("input", {bubbles: true}));
  }

  function setUpEditors() {
    var form = document.querySelector("form[data-validate-url]");
    if (!form) { return; }
    var editors = [];
    Array.prototype.forEach.call(form.querySelectorAll("textarea[data-formula-editor]"),
      function (textarea) {
        var editor = new Editor(form, textarea);
        editors.push(editor);
        textarea.addEventListener("input", function () { editor.schedule(); });
        textarea.addEventListener("focus", function () { lastEditor = editor; });
        if (!lastEditor) { lastEditor = editor; }
        if (textarea.value.trim() && editor.status.getAttribute("data-state") !== "error") {
          editor.check();  // show the names it reads; server errors stay as rendered
        }
      });
    ["kind", "loan", "code"].forEach(function (name) {
      var element = form.elements.namedItem(name);
      if (element) {
        element.addEventListener("change", function () {
          editors.forEach(function (editor) {
            if (editor.textarea.value.trim()) { editor.schedule(); }
          });
        });
      }
    });
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-insert]");
      if (button && lastEditor) {
        event.preventDefault();
        insert(lastEditor.textarea, button.getAttribute("data-insert"));
      }
    });
  }

  /* ---- the test panel -------------------------------------------------------------------- */

  function table(headers, rows) {
    var element = make("table", "data");
    var head = make("tr");
    headers.forEach(function (text) { head.appendChild(make("th", "", text)); });
    element.appendChild(make("thead")).appendChild(head);
    var body = make("tbody");
    rows.forEach(function (cells) {
      var row = make("tr");
      cells.forEach(function (text) { row.appendChild(make("td", "", text)); });
      body.appendChild(row);
    });
    element.appendChild(body);
    return element;
  }

  function setUpTestPanel() {
    var form = document.getElementById("test-panel");
    var result = document.getElementById("test-result");
    if (!form || !result) { return; }
    function text(name) { return form.getAttribute("data-text-" + name) || ""; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var inputs = {};
      Array.prototype.forEach.call(form.querySelectorAll("[data-test-input]"), function (input) {
        inputs[input.getAttribute("data-test-input")] = input.value;
      });
      var currency = form.elements.namedItem("currency");
      result.setAttribute("data-state", "running");
      clear(result);
      result.appendChild(make("p", "hint", text("running")));
      postJSON(form.getAttribute("data-evaluate-url"),
               {inputs: inputs, currency: currency ? currency.value.trim() : ""},
               csrfToken(form))
        .then(function (answer) { render(answer.data); })
        .catch(function () { render(null); });
      window.setTimeout(function () { form.dataset.submitted = ""; }, 0);
    });

    function render(data) {
      clear(result);
      if (!data) {
        result.setAttribute("data-state", "error");
        result.appendChild(make("p", "", text("failed")));
        return;
      }
      if (!data.ok) {
        result.setAttribute("data-state", "error");
        result.appendChild(make("p", "", data.message));
        var list = make("ul", "field-errors");
        Object.keys(data.problems || {}).forEach(function (name) {
          list.appendChild(make("li", "", name + ": " + data.problems[name]));
        });
        result.appendChild(list);
        if (data.error && data.error.line) {
          var pre = make("pre", "formula-caret");
          showCaret(pre, data.error);
          result.appendChild(pre);
        }
        return;
      }
      result.setAttribute("data-state", "ok");
      result.appendChild(make("p", "hint", text("amount")));
      var amount = make("p", "test-amount", data.amount);
      amount.id = "test-amount";
      result.appendChild(amount);
      var trace = data.trace;
      if (trace.unrounded !== null && trace.unrounded !== data.amount) {
        result.appendChild(make("p", "hint", text("unrounded") + ": " + trace.unrounded));
      }
      if (trace.note) { result.appendChild(make("p", "hint", trace.note)); }
      if (trace.values.length) {
        result.appendChild(make("h3", "", text("values")));
        result.appendChild(table(["", ""], trace.values));
      }
      if (trace.table_rows.length) {
        result.appendChild(make("h3", "", text("rows")));
        result.appendChild(table(
          [text("table"), text("row"), text("lower"), text("upper"), text("rate"),
           text("fixed"), text("input"), text("result")],
          trace.table_rows.map(function (hit) {
            return [hit.table, String(hit.row), hit.lower, hit.upper, hit.rate, hit.fixed,
                    hit.input, hit.result];
          })));
      }
    }
  }

  function start() {
    setUpEditors();
    setUpTestPanel();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
