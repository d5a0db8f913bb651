"""The page's own JavaScript and CSS (static text; all data reaches it as escaped JSON).

``gsDraw(layer, items)`` adds markers, numbered markers, lines and circles of a radius in metres
(``area``) to a Leaflet layer. Popups and
tooltips are built as DOM nodes whose text is set with ``textContent``: a string from the air is
never parsed as HTML, whatever it holds.
"""

from __future__ import annotations

from folium import MacroElement
from jinja2 import Template

from groundstation.export.safe import js_literal

PAGE_SCRIPT = """
function gsText(tag, text, className) {
  var node = document.createElement(tag);
  node.textContent = text;
  if (className) { node.className = className; }
  return node;
}
function gsPopup(popup) {
  var box = document.createElement("div");
  box.className = "gs-popup";
  box.appendChild(gsText("div", popup.title, "gs-popup-title"));
  var table = document.createElement("table");
  popup.rows.forEach(function (row) {
    var tr = table.insertRow();
    tr.appendChild(gsText("th", row[0]));
    tr.appendChild(gsText("td", row[1]));
  });
  box.appendChild(table);
  return box;
}
function gsDraw(layer, items) {
  items.forEach(function (item) {
    var shape;
    if (item.kind === "line") {
      shape = L.polyline(item.points, item.style);
    } else if (item.kind === "number") {
      var badge = gsText("span", String(item.number));
      badge.style.borderColor = item.colour;
      badge.style.color = item.colour;
      var icon = L.divIcon({
        html: badge,
        className: "gs-number",
        iconSize: [18, 18]
      });
      shape = L.marker(item.at, {icon: icon, keyboard: false});
    } else if (item.kind === "area") {
      shape = L.circle(item.at, Object.assign({radius: item.radius}, item.style));
    } else {
      shape = L.circleMarker(item.at, item.style);
    }
    if (item.popup) { shape.bindPopup(gsPopup(item.popup)); }
    if (item.tooltip) { shape.bindTooltip(gsText("span", item.tooltip)); }
    shape.addTo(layer);
  });
}
"""

PAGE_STYLE = """
.gs-popup-title { font-weight: bold; margin-bottom: 4px; }
.gs-popup th { text-align: left; padding-right: 8px; font-weight: normal; color: #555; }
.gs-popup td { font-variant-numeric: tabular-nums; }
.gs-number span { display: block; background: #fff; border: 1px solid; border-radius: 9px;
  font: bold 10px/16px sans-serif; text-align: center; }
.gs-panel { position: fixed; z-index: 1000; background: rgba(255, 255, 255, 0.93);
  border-radius: 6px; box-shadow: 0 1px 5px rgba(0, 0, 0, 0.35); padding: 6px 8px;
  font: 12px/1.35 sans-serif; color: #222; }
.gs-info { left: 10px; bottom: 48px; max-width: 460px; max-height: 45vh; overflow: auto; }
.gs-info p { margin: 4px 0; }
.gs-info summary { font-weight: bold; cursor: pointer; }
.gs-info ul { margin: 4px 0; padding-left: 18px; }
.gs-profile text { font: 10px sans-serif; fill: #444; }
.gs-legend { right: 10px; bottom: 24px; }
.gs-legend i { display: inline-block; width: 14px; height: 10px; margin-right: 6px; }
.gs-legend div { white-space: nowrap; }
"""


class DrawItems(MacroElement):
    """Draws escaped items (see ``gsDraw``) on the layer it is added to."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "gsDraw({{ this._parent.get_name() }}, {{ this.payload }});"
        "{% endmacro %}"
    )

    def __init__(self, items: list[dict[str, object]]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "DrawItems"
        self.payload = js_literal(items)
