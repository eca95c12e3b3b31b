/* The guided filing form: one step at a time, dependent selects, counters and live
   pre-check messages beside the fields. The form works without this script. */
(function () {
  "use strict";
  var form = document.getElementById("filing-form");
  if (!form) { return; }
  document.documentElement.classList.add("js");

  var dictionaries = {};
  try {
    dictionaries = JSON.parse(document.getElementById("ap-dictionaries").textContent);
  } catch (error) { dictionaries = {}; }

  function byName(name) { return form.querySelector('[name="' + name + '"]'); }
  function debounce(fn, wait) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, wait); };
  }

  /* --- steps ---------------------------------------------------------------------- */
  var steps = Array.prototype.slice.call(form.querySelectorAll("[data-step]"));
  var stepInput = byName("step");
  function showStep(key, scroll) {
    if (!steps.some(function (s) { return s.dataset.step === key; })) { key = steps[0].dataset.step; }
    steps.forEach(function (s) { s.classList.toggle("is-current", s.dataset.step === key); });
    document.querySelectorAll("[data-step-link]").forEach(function (link) {
      if (link.dataset.stepLink === key) {
        link.setAttribute("aria-current", "step");
        // On a phone the strip scrolls sideways: keep the current step in sight.
        var strip = link.closest("ol");
        if (strip) { strip.scrollLeft = Math.max(0, link.parentNode.offsetLeft - strip.offsetLeft - 16); }
      } else { link.removeAttribute("aria-current"); }
    });
    if (stepInput) { stepInput.value = key; }
    if (scroll) { document.querySelector(".ap-stepper").scrollIntoView({ block: "start" }); }
  }
  function stepOfElement(element) {
    var section = element && element.closest ? element.closest("[data-step]") : null;
    return section ? section.dataset.step : null;
  }
  function followHash() {
    var hash = decodeURIComponent(location.hash.slice(1));
    if (hash.indexOf("step-") === 0) { showStep(hash.slice(5), false); return; }
    var target = hash ? document.getElementById(hash) : null;
    var key = stepOfElement(target);
    if (key) { showStep(key, false); target.scrollIntoView({ block: "center" }); }
  }
  document.querySelectorAll("[data-step-link]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      showStep(link.dataset.stepLink, true);
    });
  });
  form.querySelectorAll("[data-go]").forEach(function (button) {
    button.addEventListener("click", function () { showStep(button.dataset.go, true); });
  });
  window.addEventListener("hashchange", followHash);
  showStep(form.dataset.currentStep, false);
  if (location.hash) { followHash(); }

  /* --- dependent selects ------------------------------------------------------------ */
  function fillSelect(select, items) {
    var current = select.value;
    select.innerHTML = "";
    select.appendChild(new Option("请选择", ""));
    items.forEach(function (item) { select.appendChild(new Option(item[1], item[0])); });
    if (items.some(function (item) { return item[0] === current; })) { select.value = current; }
  }
  function loadChildren(parent, select) {
    if (!select) { return Promise.resolve(); }
    if (!parent) { fillSelect(select, []); return Promise.resolve(); }
    var url = form.dataset.districtsUrl + "?parent=" + encodeURIComponent(parent);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { items: [] }; })
      .then(function (body) {
        fillSelect(select, body.items.map(function (item) { return [item.code, item.name]; }));
      })
      .catch(function () { /* the save round trip still loads the choices */ });
  }
  var province = byName("icp_subject.base_info.province");
  var city = byName("icp_subject.base_info.city");
  var district = byName("icp_subject.base_info.district");
  if (province && city) {
    province.addEventListener("change", function () {
      loadChildren(province.value, city).then(function () { return loadChildren("", district); })
        .then(precheckSoon);
    });
  }
  if (city && district) {
    city.addEventListener("change", function () { loadChildren(city.value, district).then(precheckSoon); });
  }

  var subjectType = byName("icp_subject.base_info.type");
  var certificateType = byName("icp_subject.organize_info.certificate_type");
  var same = document.getElementById("same-principal");
  var principalFields = form.querySelector("[data-principal-fields]");
  function syncPrincipal() {
    if (!same || !principalFields) { return; }
    var individual = subjectType && String(subjectType.value) === String(dictionaries.individual);
    if (individual) { same.checked = true; }
    same.disabled = !!individual;
    principalFields.hidden = same.checked;
  }
  if (subjectType && certificateType) {
    subjectType.addEventListener("change", function () {
      var choices = (dictionaries.certificates || {})[subjectType.value] || [];
      fillSelect(certificateType, choices);
      syncPrincipal();
    });
  }
  if (same) {
    // A disabled box is not posted: post the individual's forced choice explicitly.
    same.addEventListener("change", syncPrincipal);
    form.addEventListener("submit", function () { same.disabled = false; });
  }
  syncPrincipal();

  /* --- long-term validity, counters ---------------------------------------------------- */
  form.querySelectorAll("[data-long-term]").forEach(function (box) {
    var input = document.getElementById(box.dataset.longTerm);
    function sync() {
      if (!input) { return; }
      input.disabled = box.checked;
      if (box.checked) { input.value = ""; }
    }
    box.addEventListener("change", sync);
    sync();
  });
  form.querySelectorAll("[data-counter]").forEach(function (area) {
    var limits = area.dataset.counter.split("-").map(Number);
    var out = form.querySelector('[data-counter-for="' + area.id + '"]');
    function count() {
      var n = Array.from(area.value.trim()).length;
      if (out) {
        out.querySelector("span").textContent = n;
        out.classList.toggle("is-bad", n > 0 && (n < limits[0] || n > limits[1]));
      }
    }
    area.addEventListener("input", count);
    count();
  });
  var serviceCount = form.querySelector("[data-service-count]");
  function countServices() {
    if (!serviceCount) { return; }
    var n = form.querySelectorAll('input[name="icp_applets.base_info.service_content_types"]:checked').length;
    serviceCount.querySelector("span").textContent = n;
    serviceCount.classList.toggle("is-bad", n > 5);
  }
  form.addEventListener("change", countServices);
  countServices();

  /* --- live pre-check ------------------------------------------------------------------ */
  var token = byName("csrf_token");
  var liveStatus = form.querySelector("[data-live-status]");
  var pending = null;
  // Fields the applicant has been in: only these show "required" findings while typing
  // (errcodes 11xx); the others are counted until the applicant gets to them or saves.
  var touched = new Set();
  function isMissing(finding) { return finding.errcode >= 1100 && finding.errcode < 1200; }

  function findingItem(finding) {
    var li = document.createElement("li");
    li.className = "ap-finding ap-finding-" + finding.severity;
    var tag = document.createElement("span");
    tag.className = "ap-finding-tag";
    tag.textContent = finding.severity === "error" ? "错误" : "提醒";
    var text = document.createElement("span");
    text.className = "ap-finding-text";
    var strong = document.createElement("strong");
    strong.textContent = finding.errmsg;
    text.appendChild(strong);
    if (finding.suggest) {
      var suggest = document.createElement("span");
      suggest.className = "ap-finding-suggest";
      suggest.textContent = finding.suggest;
      text.appendChild(suggest);
    }
    li.appendChild(tag);
    li.appendChild(text);
    return li;
  }

  function showFindings(findings) {
    var lists = {};
    form.querySelectorAll("[data-findings-for]").forEach(function (list) {
      lists[list.dataset.findingsFor] = list;
      list.querySelectorAll("li:not(.is-sticky)").forEach(function (li) { li.remove(); });
    });
    form.querySelectorAll(".ap-field.has-error").forEach(function (f) { f.classList.remove("has-error"); });
    var perStep = {};
    var errors = 0;
    var unfilled = 0;
    findings.forEach(function (finding) {
      var list = lists[finding.anchor] || lists[""];
      var field = list.closest(".ap-field");
      if (isMissing(finding) && field && !touched.has(field)) {
        // An empty field the applicant has not reached yet: counted, not shouted about.
        unfilled += 1;
        perStep[finding.step] = (perStep[finding.step] || 0) + 1;
        return;
      }
      list.appendChild(findingItem(finding));
      if (finding.severity === "error") {
        errors += 1;
        perStep[finding.step] = (perStep[finding.step] || 0) + 1;
        if (field) { field.classList.add("has-error"); }
      }
    });
    document.querySelectorAll("[data-step-errors]").forEach(function (badge) {
      var n = perStep[badge.dataset.stepErrors] || 0;
      badge.textContent = n;
      badge.hidden = n === 0;
    });
    if (liveStatus) {
      var parts = [];
      if (errors) { parts.push("还有 " + errors + " 处需要修改"); }
      if (unfilled) { parts.push(unfilled + " 项必填内容尚未填写"); }
      liveStatus.textContent = parts.length ? parts.join("，") : "已检查，暂未发现错误";
    }
  }

  function precheck() {
    var data = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (typeof value === "string") { data.append(key, value); }
    });
    if (same && same.checked) { data.set("applet_principal_same", "1"); }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(form.dataset.precheckUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token ? token.value : "", Accept: "application/json" },
      body: data,
      signal: pending.signal
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body && body.findings) { showFindings(body.findings); } })
      .catch(function () { /* offline or aborted: the save round trip still checks */ });
  }
  var precheckSoon = debounce(precheck, 600);
  function touch(event) {
    var field = event.target.closest ? event.target.closest(".ap-field") : null;
    if (field) { touched.add(field); }
  }
  form.addEventListener("input", function (event) {
    touch(event);
    if (event.target.type !== "file") { precheckSoon(); }
  });
  form.addEventListener("change", function (event) {
    touch(event);
    if (event.target.type !== "file") { precheckSoon(); }
  });
  form.addEventListener("focusout", touch);
})();
