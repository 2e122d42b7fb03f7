// Showing a generation's outputs from their signed URLs, with downloads.
import { h, request } from "../lib.js";

const still = /\.(png|jpe?g|webp|gif)$/i;

// showMedia is the outputs of a completed generation, each with a
// download link.
export async function showMedia(gen) {
  const res = await request("GET", `/api/v1/generations/${gen.id}/media-urls`);
  if (!res.ok) return h("p", { role: "alert" }, res.message);
  return h("div", { className: "media" }, res.data.signed_urls.map((url, i) => {
    const path = gen.output_urls[i] || "";
    const alt = `${gen.media_type === "video" ? "Clip" : "Image"} generated from: ${gen.prompt}`;
    const file = path.split("/").pop() || `velro-${gen.id}`;
    return h("figure", {},
      still.test(path) ? h("img", { src: url, alt }) : h("video", { src: url, controls: true, loop: true, "aria-label": alt }),
      h("figcaption", {}, h("a", { href: url, download: file, className: "button" }, "Download")));
  }));
}

// thumbnail is the first output of a generation, small, or a placeholder
// saying where it stands.
export function thumbnail(gen, url) {
  const path = gen.output_urls?.[0] || "";
  if (gen.status !== "completed" || !url) return h("div", { className: "thumb placeholder", role: "img", "aria-label": gen.status }, gen.status);
  return still.test(path) ? h("img", { src: url, alt: gen.prompt, loading: "lazy" })
    : h("video", { src: url, muted: true, className: "thumb", "aria-label": gen.prompt });
}
