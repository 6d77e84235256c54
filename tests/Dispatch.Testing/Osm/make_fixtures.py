#!/usr/bin/python3
"""Writes the OpenStreetMap road exports the road tests read: one street network around the centre of
Ljubljana (46.051 N, 14.506 E; far from the demo city on purpose), as two tools export it:

  ljubljana-center.osmtogeojson.geojson  overpass-turbo / osmtogeojson: a FeatureCollection, tags as flat
                                         properties with "@id" (and "@relations" on route members), tagged nodes
                                         as Points, closed ways that are areas as Polygons, a route relation
                                         as a MultiLineString
  ljubljana-center.osmium.geojsonseq     `osmium export -f geojsonseq`: one RS-prefixed Feature per line, tags
                                         only, areas as MultiPolygons

The streets are drawn here, not downloaded: a 13 x 13 street grid at 200 m with the classes, names, speeds and
one-way tags of a real centre, split into ways the way OSM splits them, plus what every real export carries and a
router ignores: platforms, squares and services drawn as areas, construction and proposed roads, a reversible
lane, tagged nodes, a bus route. Deterministic: same files every run. Run with /usr/bin/python3 from this folder.
"""
import json
import math
import random

CENTRE_LAT, CENTRE_LON = 46.0510, 14.5060
SPACING_M = 200.0
STREETS = 13  # per direction
M_PER_DEG_LAT = 111_320.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(CENTRE_LAT))

rng = random.Random(46051)
features = []  # (kind, tags, geometry, osm_id) with kind in way/node/relation
next_id = [30_000_000]


def new_id():
    next_id[0] += rng.randint(1, 900)
    return next_id[0]


def lonlat(east_m, north_m, jitter=0.0):
    e = east_m + rng.uniform(-jitter, jitter)
    n = north_m + rng.uniform(-jitter, jitter)
    return [round(CENTRE_LON + e / M_PER_DEG_LON, 7), round(CENTRE_LAT + n / M_PER_DEG_LAT, 7)]


def grid_m(i):
    return (i - (STREETS - 1) / 2) * SPACING_M


NS_NAMES = ["Tržaška cesta", "Aškerčeva cesta", "Prešernova cesta", "Slovenska cesta", "Gosposvetska cesta",
            "Tivolska cesta", "Dunajska cesta", "Resljeva cesta", "Njegoševa cesta", "Poljanska cesta",
            "Zaloška cesta", "Povšetova ulica", "Kajuhova ulica"]
EW_NAMES = ["Cesta v Mestni log", "Zoisova cesta", "Karlovška cesta", "Vegova ulica", "Kongresni trg",
            "Wolfova ulica", "Trubarjeva cesta", "Masarykova cesta", "Vilharjeva cesta", "Linhartova cesta",
            "Topniška ulica", "Plečnikova ulica", "Šmartinska cesta"]


def street_tags(i, north_south):
    if i == 6:
        tags = {"highway": "primary", "maxspeed": "50", "lanes": "4"}
    elif i in (3, 9):
        tags = {"highway": "secondary", "maxspeed": "SI:urban" if north_south else "50", "lanes": "2"}
    elif i in (0, 12):
        tags = {"highway": "tertiary", "maxspeed": "60"}
    elif i == 5 and not north_south:
        tags = {"highway": "living_street", "maxspeed": "walk"}  # a value no parser turns into a speed
    elif i == 8 and north_south:
        tags = {"highway": "residential", "oneway": "yes", "maxspeed": "30"}
    elif i == 10 and not north_south:
        tags = {"highway": "residential", "oneway": "-1", "maxspeed": "30"}
    elif i == 2 and north_south:
        tags = {"highway": "unclassified"}
    else:
        tags = {"highway": "residential", "maxspeed": "30"}
    tags["name"] = (NS_NAMES if north_south else EW_NAMES)[i]
    tags["surface"] = "asphalt"
    return tags


# Streets, split into ways of one to three blocks with a vertex every ~50 m, as OSM splits them at tag changes.
for north_south in (True, False):
    for i in range(STREETS):
        tags = street_tags(i, north_south)
        j = 0
        while j < STREETS - 1:
            blocks = min(rng.randint(1, 3), STREETS - 1 - j)
            coords = []
            for k in range(j * 4, (j + blocks) * 4 + 1):
                along = grid_m(0) + k * SPACING_M / 4
                across = grid_m(i)
                on_node = k % 4 == 0  # intersections exact, so streets meet
                if north_south:
                    coords.append(lonlat(across, along, 0 if on_node else 3))
                else:
                    coords.append(lonlat(along, across, 0 if on_node else 3))
            way_tags = dict(tags)
            if rng.random() < 0.15:
                way_tags["bridge"] = "yes"
                way_tags["layer"] = "1"
            features.append(("way", way_tags, {"type": "LineString", "coordinates": coords}, new_id()))
            j += blocks

# Footways, cycleways, steps and service roads inside some blocks.
for b in range(18):
    e0 = grid_m(rng.randint(0, STREETS - 2)) + 60
    n0 = grid_m(rng.randint(0, STREETS - 2))
    kind = ["footway", "cycleway", "path", "steps", "service", "service"][b % 6]
    tags = {"highway": kind}
    if kind == "service":
        tags["service"] = rng.choice(["parking_aisle", "driveway", "alley"])
    if kind == "footway":
        tags["footway"] = "sidewalk"
    features.append(("way", tags, {"type": "LineString", "coordinates": [lonlat(e0, n0), lonlat(e0 + 40, n0 + 100), lonlat(e0, n0 + SPACING_M)]}, new_id()))

# A trunk and a motorway with its link on the eastern edge, and a track leaving to the south-west.
east = grid_m(STREETS - 1) + 150
features.append(("way", {"highway": "motorway", "ref": "A1", "maxspeed": "130", "lanes": "2"},
                 {"type": "LineString", "coordinates": [lonlat(east, grid_m(0)), lonlat(east, 0), lonlat(east, grid_m(STREETS - 1))]}, new_id()))
features.append(("way", {"highway": "motorway_link", "oneway": "yes"},
                 {"type": "LineString", "coordinates": [lonlat(grid_m(STREETS - 1), 0), lonlat(east - 60, 30), lonlat(east, 90)]}, new_id()))
features.append(("way", {"highway": "trunk", "name": "Celovška cesta", "maxspeed": "70"},
                 {"type": "LineString", "coordinates": [lonlat(grid_m(0), grid_m(STREETS - 1)), lonlat(grid_m(0) - 400, grid_m(STREETS - 1) + 300)]}, new_id()))
features.append(("way", {"highway": "track", "tracktype": "grade2"},
                 {"type": "LineString", "coordinates": [lonlat(grid_m(0), grid_m(0)), lonlat(grid_m(0) - 150, grid_m(0) - 200), lonlat(grid_m(0) - 300, grid_m(0) - 250)]}, new_id()))

# A roundabout: a closed way, still a line (a highway is an area only when tagged area=yes).
ring = [lonlat(grid_m(3) + 25 * math.cos(a), grid_m(9) + 25 * math.sin(a)) for a in [2 * math.pi * k / 12 for k in range(12)]]
features.append(("way", {"highway": "secondary", "junction": "roundabout", "name": "Krožišče Bavarski dvor"},
                 {"type": "LineString", "coordinates": ring + [ring[0]]}, new_id()))

# What a router ignores.
IGNORED = {}


def ignored(label, kind, tags, geometry):
    IGNORED[label] = IGNORED.get(label, 0) + 1
    features.append((kind, tags, geometry, new_id()))


def square(e, n, half):
    ring = [lonlat(e - half, n - half), lonlat(e + half, n - half), lonlat(e + half, n + half), lonlat(e - half, n + half)]
    return ring + [ring[0]]


ignored("area", "way", {"highway": "pedestrian", "area": "yes", "name": "Prešernov trg"}, {"type": "Polygon", "coordinates": [square(grid_m(6) + 40, grid_m(6) + 40, 30)]})
ignored("area", "way", {"highway": "pedestrian", "area": "yes", "name": "Kongresni trg"}, {"type": "Polygon", "coordinates": [square(grid_m(4) + 100, grid_m(4) + 100, 45)]})
ignored("area", "way", {"highway": "services", "name": "Bencinski servis"}, {"type": "Polygon", "coordinates": [square(east + 60, grid_m(2), 40)]})
ignored("area", "way", {"highway": "platform", "area": "yes", "public_transport": "platform", "railway": "platform"}, {"type": "Polygon", "coordinates": [square(grid_m(9) + 100, grid_m(11) + 60, 15)]})
for p in range(4):
    ignored("highway=platform", "way", {"highway": "platform", "public_transport": "platform", "name": f"Bavarski dvor {p + 1}"},
            {"type": "LineString", "coordinates": [lonlat(grid_m(6) + 8, grid_m(p + 4) + 60), lonlat(grid_m(6) + 8, grid_m(p + 4) + 85)]})
for c in range(3):
    ignored("highway=construction", "way", {"highway": "construction", "construction": "secondary", "opening_date": "2026"},
            {"type": "LineString", "coordinates": [lonlat(grid_m(c * 4) + 30, grid_m(1) + 30), lonlat(grid_m(c * 4) + 170, grid_m(1) + 170)]})
ignored("highway=proposed", "way", {"highway": "proposed", "proposed": "tertiary"},
        {"type": "LineString", "coordinates": [lonlat(grid_m(0) - 100, grid_m(6)), lonlat(grid_m(0) - 600, grid_m(6) + 50)]})
ignored("highway=bus_stop", "way", {"highway": "bus_stop", "name": "Konzorcij"},
        {"type": "LineString", "coordinates": [lonlat(grid_m(6) - 8, grid_m(7) + 20), lonlat(grid_m(6) - 8, grid_m(7) + 40)]})
ignored("oneway=reversible", "way", {"highway": "secondary", "oneway": "reversible", "name": "Tunel"},
        {"type": "LineString", "coordinates": [lonlat(grid_m(9), grid_m(12) + 10), lonlat(grid_m(9), grid_m(12) + 400)]})

nodes = [("traffic_signals", None), ("crossing", {"crossing": "zebra"}), ("bus_stop", {"public_transport": "platform", "name": "Ajdovščina"}),
         ("street_lamp", None), ("stop", None), ("turning_circle", None), ("give_way", None)]
for n in range(21):
    value, extra = nodes[n % len(nodes)]
    tags = {"highway": value}
    tags.update(extra or {})
    ignored("point", "node", tags, {"type": "Point", "coordinates": lonlat(grid_m(n % STREETS), grid_m((n * 5) % STREETS))})

# A building the query caught, and a bus route relation over three streets (members carry "@relations" in osmtogeojson).
ignored("no highway tag", "way", {"building": "yes", "name": "Nebotičnik", "building:levels": "13"}, {"type": "Polygon", "coordinates": [square(grid_m(6) + 120, grid_m(7) + 120, 12)]})
route_parts = [f[2]["coordinates"] for f in features if f[0] == "way" and f[1].get("name") == "Slovenska cesta"][:3]
ROUTE_ID = new_id()
ignored("no highway tag", "relation", {"type": "route", "route": "bus", "ref": "6", "name": "Bus 6: Dolgi most - Črnuče", "network": "LPP"},
        {"type": "MultiLineString", "coordinates": route_parts})

ROADS = sum(1 for f in features if f[0] == "way" and "highway" in f[1]) - sum(v for k, v in IGNORED.items() if k not in ("point", "no highway tag"))


def osmtogeojson():
    out = []
    for kind, tags, geometry, osm_id in features:
        properties = {"@id": f"{kind}/{osm_id}"}
        properties.update(tags)
        if kind == "way" and tags.get("name") == "Slovenska cesta" and geometry["coordinates"] in route_parts:
            properties["@relations"] = [{"role": "", "rel": ROUTE_ID, "reltags": {"type": "route", "route": "bus", "ref": "6"}}]
        out.append({"type": "Feature", "properties": properties, "geometry": geometry, "id": f"{kind}/{osm_id}"})
    return {"type": "FeatureCollection", "generator": "osmtogeojson", "copyright":
            "The data included in this document is from www.openstreetmap.org. The data is made available under ODbL.",
            "timestamp": "2026-05-01T08:00:00Z", "features": out}


def osmium_lines():
    for kind, tags, geometry, osm_id in features:
        if geometry["type"] == "Polygon":
            geometry = {"type": "MultiPolygon", "coordinates": [geometry["coordinates"]]}
        yield "\x1e" + json.dumps({"type": "Feature", "geometry": geometry, "properties": tags}, ensure_ascii=False, separators=(",", ":")) + "\n"


with open("ljubljana-center.osmtogeojson.geojson", "w", encoding="utf-8") as f:
    json.dump(osmtogeojson(), f, ensure_ascii=False, indent=1)
    f.write("\n")
with open("ljubljana-center.osmium.geojsonseq", "w", encoding="utf-8") as f:
    f.writelines(osmium_lines())
print(json.dumps({"features": len(features), "roads": ROADS, "ignored": IGNORED}, ensure_ascii=False))
