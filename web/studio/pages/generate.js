// /generate: pick a model, fill the form its parameter schema describes,
// see the price before submitting, then watch the generation over its event
// stream (read with fetch: the token stays in a header, never in a URL) and
// get the result: download, a variation, an edit.
import { h, field, page, alert, status, request, submitting } from "../lib.js";
import { showMedia } from "./media.js";

export async function generate({ query, refreshBalance }) {
  const [catalog, projects] = await Promise.all([request("GET", "/api/v1/models"), request("GET", "/api/v1/projects?limit=100")]);
  if (!catalog.ok) return page("Generate", h("p", { role: "alert" }, catalog.message));
  const models = catalog.data.models.slice().sort((a, b) => (b.is_active - a.is_active) || a.type.localeCompare(b.type) || a.credits_cost - b.credits_cost);
  const byID = Object.fromEntries(models.map((m) => [m.id, m]));

  const model = h("select", { name: "model_id" }, models.map((m) => h("option", { value: m.id, disabled: !m.is_active },
    `${m.name} · ${m.type} · ${m.credits_cost} credits${m.is_active ? "" : " (not set up here)"}`)));
  const wanted = query.get("model");
  model.value = byID[wanted]?.is_active ? wanted
    : (models.find((m) => m.is_active && m.type === "image" && !m.inputs.includes("image")) || models.find((m) => m.is_active) || models[0]).id;
  const prompt = h("textarea", { name: "prompt", required: true, maxLength: 2000, rows: 4, value: query.get("prompt") || "" });
  const negative = h("input", { type: "text", name: "negative_prompt", maxLength: 1000 });
  const project = h("select", { name: "project_id" }, h("option", { value: "" }, "No project"),
    (projects.ok ? projects.data.projects : []).map((p) => h("option", { value: p.id }, p.name)));
  if (query.get("project")) project.value = query.get("project");
  const about = h("p", { className: "hint", id: "model-about" });
  model.setAttribute("aria-describedby", about.id);
  const params = h("fieldset", { className: "params" });
  const reference = h("div");
  const quote = h("p", { className: "quote", role: "status", "aria-live": "polite" });
  const fail = alert();
  const form = h("form", { className: "card" },
    field("Model", model), about,
    field("Prompt", prompt, "Describe what you want to see."),
    field("Negative prompt", negative, "Optional: what to leave out."),
    field("Project", project),
    params, reference, quote, fail,
    h("button", { type: "submit" }, "Generate"));
  const output = h("section", { className: "result", "aria-label": "Result" });

  let parent = query.get("parent") || null;
  let referenceFile = null;
  let referenceUpload = query.get("reference") || null;

  // The form of the chosen model: one field per parameter, with its range,
  // its choices and its default.
  function buildParams() {
    const m = byID[model.value];
    about.textContent = m.description + (m.inputs.includes("image") ? " It needs a reference image." : "");
    params.replaceChildren(h("legend", {}, "Settings"));
    for (const [name, spec] of Object.entries(m.parameters).sort(([a], [b]) => (a === "seed") - (b === "seed") || a.localeCompare(b))) {
      params.append(paramField(name, spec));
    }
    reference.replaceChildren();
    if (m.inputs.includes("image")) {
      const file = h("input", { type: "file", name: "reference_image", accept: "image/png,image/jpeg,image/webp,image/gif" });
      const preview = h("div", { className: "preview" });
      if (referenceUpload) preview.append(h("p", { className: "hint" }, "Using the image you chose to edit. Pick a file to use another."));
      file.addEventListener("change", () => {
        referenceFile = file.files[0] || null;
        referenceUpload = null;
        preview.replaceChildren(referenceFile ? h("img", { src: URL.createObjectURL(referenceFile), alt: "The reference image", className: "thumb narrow" }) : "");
      });
      reference.append(field("Reference image", file, "PNG, JPEG, WebP or GIF, up to 20 MiB."), preview);
    }
    requote();
  }

  function values() {
    const m = byID[model.value];
    const out = {};
    for (const [name, spec] of Object.entries(m.parameters)) {
      const input = params.querySelector(`[name="${CSS.escape(name)}"]`);
      if (!input) continue;
      if (spec.type === "boolean") out[name] = input.checked;
      else if (input.value === "") continue; // the default applies
      else if (spec.type === "integer" || spec.type === "number") out[name] = Number(input.value);
      else out[name] = input.value;
    }
    return out;
  }

  let quoting = 0;
  async function requote() {
    const turn = ++quoting;
    const res = await request("POST", "/api/v1/generations/quote", { model_id: model.value, parameters: values() });
    if (turn !== quoting) return;
    quote.textContent = res.ok ? `Cost: ${res.data.cost} credits` : res.message;
    quote.classList.toggle("error", !res.ok);
  }

  model.addEventListener("change", () => { parent = null; buildParams(); });
  params.addEventListener("input", () => { clearTimeout(params.timer); params.timer = setTimeout(requote, 250); });
  params.addEventListener("change", requote);

  async function submit(extra = {}) {
    fail.textContent = "";
    const m = byID[model.value];
    const body = { model_id: m.id, prompt: prompt.value, parameters: values(), ...extra };
    if (negative.value) body.negative_prompt = negative.value;
    if (project.value) body.project_id = project.value;
    if (parent && !extra.parent_generation_id) body.parent_generation_id = parent;
    if (m.inputs.includes("image")) {
      if (referenceFile) {
        const data = new FormData();
        data.append("file", referenceFile);
        const up = await request("POST", "/api/v1/uploads", data);
        if (!up.ok) return void (fail.textContent = up.message);
        referenceUpload = up.data.id;
        referenceFile = null;
      }
      if (!referenceUpload) return void (fail.textContent = "This model edits an image: choose a reference image first.");
      body.reference_upload_ids = [referenceUpload];
    }
    const res = await request("POST", "/api/v1/generations", body, {});
    if (!res.ok) return void (fail.textContent = res.message);
    refreshBalance();
    await watch(res.data);
  }

  // watch follows a generation to its end, then shows what it made.
  async function watch(gen) {
    const said = status("progress");
    const bar = h("progress", { "aria-label": "Progress" });
    output.replaceChildren(h("h2", {}, "Your generation"), h("p", { className: "muted" }, `“${gen.prompt}”`), bar, said);
    said.textContent = label(gen.status);
    const final = await follow(gen, (s) => { said.textContent = label(s); });
    bar.remove();
    if (final.status === "completed") {
      said.textContent = "Done.";
      output.append(await showMedia(final), h("p", { className: "actions" },
        h("a", { href: "/generations/" + final.id }, "Open"), " ",
        h("button", { type: "button", className: "quiet", onclick: () => variation(final) }, "Make a variation"),
        final.media_type === "image" ? h("button", { type: "button", className: "quiet", onclick: () => edit(final) }, "Edit this image") : null));
    } else {
      said.textContent = "";
      output.append(h("p", { role: "alert", className: "error" }, final.status === "failed"
        ? `It failed: ${final.error_message || "the provider gave no reason"}. The credits were refunded.`
        : `It was ${final.status}. The credits were refunded.`));
      refreshBalance();
    }
    output.querySelector("h2").focus?.();
  }

  function variation(gen) {
    model.value = gen.model_id;
    buildParams();
    prompt.value = gen.prompt;
    const extra = { parent_generation_id: gen.id };
    const seed = byID[gen.model_id].parameters.seed ? { seed: Math.floor(Math.random() * 2 ** 31) } : {};
    submitting(form, () => submit({ ...extra, parameters: { ...gen.parameters, ...seed } }));
  }

  // edit puts the result in the editing model's reference slot.
  async function edit(gen) {
    const editor = models.find((m) => m.is_active && m.type === "image" && m.inputs.includes("image"));
    if (!editor) return void (fail.textContent = "No image-editing model is set up on this server.");
    const urls = await request("GET", `/api/v1/generations/${gen.id}/media-urls`);
    if (!urls.ok) return void (fail.textContent = urls.message);
    const blob = await fetch(urls.data.primary_url).then((r) => r.blob());
    referenceFile = new File([blob], "generation.png", { type: blob.type });
    referenceUpload = null;
    parent = gen.id;
    model.value = editor.id;
    buildParams();
    reference.querySelector(".preview").replaceChildren(h("img", { src: URL.createObjectURL(blob), alt: "The image to edit", className: "thumb narrow" }));
    prompt.focus();
    fail.textContent = "";
    quote.scrollIntoView({ block: "nearest" });
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submitting(form, () => submit());
  });
  buildParams();
  return page("Generate", h("div", { className: "two" }, form, output));
}

function paramField(name, spec) {
  const label = name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  let input;
  const range = spec.minimum !== undefined && spec.maximum !== undefined ? `${spec.minimum} to ${spec.maximum}` : "";
  if (spec.type === "boolean") {
    input = h("input", { type: "checkbox", name, checked: spec.default === true });
    const id = "p-" + name;
    input.id = id;
    return h("div", { className: "field check" }, h("label", { for: id }, input, " ", label), spec.description ? h("small", { className: "hint" }, spec.description) : null);
  }
  if (spec.enum) {
    input = h("select", { name }, spec.enum.map((v) => h("option", { value: v, selected: v === spec.default }, v)));
  } else {
    input = h("input", {
      type: spec.type === "string" ? "text" : "number", name, min: spec.minimum, max: spec.maximum,
      step: spec.type === "integer" ? 1 : "any", placeholder: spec.default === undefined ? "random" : "",
      value: spec.default === undefined ? "" : spec.default,
    });
  }
  const hint = [spec.description, range && `(${range})`].filter(Boolean).join(" ");
  return field(label, input, hint);
}

function label(s) {
  return { pending: "Waiting for a worker…", processing: "Rendering…", completed: "Done.", failed: "Failed.", cancelled: "Cancelled." }[s] || s;
}

const terminal = new Set(["completed", "failed", "cancelled"]);

// follow reads the generation's event stream until it ends, reconnecting
// if the connection drops first, and returns the generation as it ended.
export async function follow(gen, onStatus) {
  for (let attempt = 0; attempt < 30 && !terminal.has(gen.status); attempt++) {
    const res = await request("GET", `/api/v1/generations/${gen.id}/stream`, undefined, { raw: true });
    if (res.ok) {
      const reader = res.res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ done: true }));
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
          if (!data) continue;
          try {
            const ev = JSON.parse(data);
            if (ev.status) onStatus(ev.status);
          } catch { /* a comment or keep-alive */ }
        }
      }
    } else if (res.status === 404 || res.status === 403) {
      break;
    } else {
      await new Promise((r) => setTimeout(r, 1000));
    }
    const now = await request("GET", `/api/v1/generations/${gen.id}`);
    if (now.ok) gen = now.data;
    else break;
  }
  return gen;
}
