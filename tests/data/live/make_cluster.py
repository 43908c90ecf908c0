#!/usr/bin/env python3
"""Builds tests/data/live/cluster/ from examples/dns-loop-predicted: the API server's answers a live
collection of that cluster would get. Run from the repository root; the output is checked in.

- api/RESOURCE.json: the List the API server returns for GET /api(s)/.../RESOURCE (kind FooList,
  items without kind/apiVersion, as the server sends them). Pods gain one netdoctor-agent pod per node.
- logs/NS/POD/CONTAINER[.previous].log: what GET .../pods/POD/log returns (CoreDNS's loop plugin).
- bundles/NODE.json: what an agent's /bundle returns (the example's nodes/NODE/ files).
"""
import glob, json, os, yaml

SRC = "examples/dns-loop-predicted"
OUT = "tests/data/live/cluster"
KINDS = {  # kind -> (resource, apiVersion of the list)
    "Node": ("nodes", "v1"), "Pod": ("pods", "v1"), "Service": ("services", "v1"),
    "Endpoints": ("endpoints", "v1"), "EndpointSlice": ("endpointslices", "discovery.k8s.io/v1"),
    "ConfigMap": ("configmaps", "v1"), "Event": ("events", "v1"), "Namespace": ("namespaces", "v1"),
    "DaemonSet": ("daemonsets", "apps/v1"), "Deployment": ("deployments", "apps/v1"),
    "ReplicaSet": ("replicasets", "apps/v1"), "NetworkPolicy": ("networkpolicies", "networking.k8s.io/v1"),
    "IPPool": ("ippools", "crd.projectcalico.org/v1"),
}
lists = {k: [] for k in KINDS}
for f in sorted(glob.glob(SRC + "/**/*.yaml", recursive=True)):
    if "/nodes/" in f:
        continue
    for doc in yaml.safe_load_all(open(f)):
        if doc and doc.get("kind") in lists:
            kind = doc.pop("kind")
            doc.pop("apiVersion", None)
            lists[kind].append(doc)

nodes = [n["metadata"]["name"] for n in lists["Node"]]
lists["Namespace"].append({"metadata": {"name": "netdoctor"}, "status": {"phase": "Active"}})
for i, node in enumerate(nodes):
    lists["Pod"].append({
        "metadata": {"name": f"netdoctor-agent-{i:05d}", "namespace": "netdoctor",
                     "labels": {"app.kubernetes.io/name": "netdoctor-agent"}},
        "spec": {"nodeName": node, "hostNetwork": True,
                 "containers": [{"name": "agent", "image": "netdoctor:0.1.0",
                                 "ports": [{"containerPort": 9742, "name": "http"}]}]},
        "status": {"phase": "Running", "podIP": f"192.168.1.{10 + i}", "hostIP": f"192.168.1.{10 + i}",
                   "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": "agent", "ready": True, "restartCount": 0,
                                          "image": "netdoctor:0.1.0", "state": {"running": {}}}]}})

os.makedirs(OUT + "/api", exist_ok=True)
for kind, items in lists.items():
    res, api = KINDS[kind]
    items.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
    doc = {"kind": kind + "List", "apiVersion": api, "metadata": {"resourceVersion": "700000"}, "items": items}
    with open(f"{OUT}/api/{res}.json", "w") as out:
        json.dump(doc, out, indent=2, sort_keys=True)
        out.write("\n")

loop = ("[INFO] plugin/reload: Running configuration SHA512 = 1b226df79860026c6a52e67daa10d7f0d57ec5b023288ec00c5e05f93523c894\n"
        "CoreDNS-1.11.1\nlinux/amd64, go1.20.7, ae2bbc2\n"
        "[FATAL] plugin/loop: Loop (127.0.0.1:49443 -> :53) detected for zone \".\", see https://coredns.io/plugins/loop#troubleshooting. "
        "Query: \"HINFO 4547991504243258144.3688648895315093531.\"\n")
for pod in lists["Pod"]:
    name, ns = pod["metadata"]["name"], pod["metadata"]["namespace"]
    if not name.startswith("coredns-"):
        continue
    d = f"{OUT}/logs/{ns}/{name}"
    os.makedirs(d, exist_ok=True)
    open(f"{d}/coredns.log", "w").write(loop)
    open(f"{d}/coredns.previous.log", "w").write(loop)

os.makedirs(OUT + "/bundles", exist_ok=True)
for node in nodes:
    files = {}
    for f in sorted(glob.glob(f"{SRC}/nodes/{node}/**", recursive=True)):
        if os.path.isfile(f):
            files[os.path.relpath(f, f"{SRC}/nodes/{node}")] = open(f).read()
    doc = {"apiVersion": "netdoctor/v1", "kind": "NodeBundle", "node": node,
           "collectedAt": "2025-03-21T10:00:00Z", "files": files, "errors": []}
    with open(f"{OUT}/bundles/{node}.json", "w") as out:
        json.dump(doc, out, indent=2, sort_keys=True)
        out.write("\n")
