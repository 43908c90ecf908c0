#!/usr/bin/env python3
"""Checks the examples without netdoctor:

1. every *.json / *.yaml file parses (json, yaml.safe_load_all) and every object has kind, apiVersion
   (or comes from a typed List) and metadata.name;
2. references hold: pods name existing nodes, ownerReferences name existing owners with the right uid,
   logs sections name existing pods and containers;
3. only private or documentation addresses appear, and no public host names;
4. a small reference reading of DESIGN.md's check definitions finds exactly the ids each
   NAME.expect.json lists in "must" and none of its "must_not" (a cross-check of the examples, not
   a replacement for the real checks).

    python3 examples/tools/validate_examples.py [NAME...]
"""

import ipaddress
import json
import os
import re
import sys

import yaml

EXAMPLES = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIST_ITEM_KIND = {"NodeList": ("Node", "v1"), "PodList": ("Pod", "v1"), "EventList": ("Event", "v1"),
                  "ServiceList": ("Service", "v1"), "DaemonSetList": ("DaemonSet", "apps/v1"),
                  "DeploymentList": ("Deployment", "apps/v1"), "ReplicaSetList": ("ReplicaSet", "apps/v1"),
                  "ReplicationControllerList": ("ReplicationController", "v1")}
ALLOWED_NETS = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "0.0.0.0/32",
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
HOST_RE = re.compile(r"\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|dev|cloud|co|de|cn|info|app)\b", re.I)
HOST_OK = re.compile(r"^(?:[a-z0-9.-]*\.)?(?:kubernetes\.io|k8s\.io|projectcalico\.org|tigera\.io|coreos\.com|"
                     r"operator\.tigera\.io|calico\.org|x-k8s\.io|prometheus\.io)$", re.I)


def load_objects(path):
    """Returns [(obj, where)] for a file; raises on a parse error."""
    text = open(path, encoding="utf-8").read()
    docs = [json.loads(text)] if path.endswith(".json") else [d for d in yaml.safe_load_all(text) if d is not None]
    out = []
    for d in docs:
        if d.get("kind", "").endswith("List") and "items" in d:
            item_kind = LIST_ITEM_KIND.get(d["kind"])
            for i, it in enumerate(d["items"] or []):
                if "kind" not in it and item_kind:
                    it = dict(it, kind=item_kind[0], apiVersion=item_kind[1])
                out.append((it, "%s items[%d]" % (path, i)))
        else:
            out.append((d, path))
    return out


def walk_strings(o):
    if isinstance(o, dict):
        for v in o.values():
            yield from walk_strings(v)
    elif isinstance(o, list):
        for v in o:
            yield from walk_strings(v)
    elif isinstance(o, str):
        yield o


def check_text_addresses(text, where, errors):
    for m in re.finditer(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?:/\d+)?(?![\d.])", text):
        try:
            ip = ipaddress.ip_address(m.group(1))
        except ValueError:
            continue
        if not any(ip in n for n in ALLOWED_NETS):
            errors.append("%s: public address %s" % (where, ip))
    for m in HOST_RE.finditer(text):
        if not HOST_OK.match(m.group(0)):
            errors.append("%s: public-looking host name %s" % (where, m.group(0)))


def read_snapshot(root):
    objs, logs, errors = [], {}, []
    files = [root] if os.path.isfile(root) else []
    for dp, dn, fn in os.walk(root):
        for f in fn:
            files.append(os.path.join(dp, f))
    for p in sorted(files):
        rel = os.path.relpath(p, EXAMPLES)
        text = open(p, encoding="utf-8").read()
        check_text_addresses(text, rel, errors)
        if p.endswith((".json", ".yaml", ".yml")):
            try:
                for o, where in load_objects(p):
                    for k in ("kind", "apiVersion"):
                        if not o.get(k):
                            errors.append("%s: no %s" % (os.path.relpath(where, EXAMPLES), k))
                    if not o.get("metadata", {}).get("name"):
                        errors.append("%s: no metadata.name" % os.path.relpath(where, EXAMPLES))
                    objs.append(o)
            except Exception as e:  # noqa: BLE001 - report every parse failure by file
                errors.append("%s: does not parse: %s" % (rel, e))
        elif p.endswith("logs.txt"):
            ns = os.path.basename(os.path.dirname(os.path.dirname(p)))
            podn = os.path.basename(os.path.dirname(p))
            cur = None
            for line in text.splitlines():
                m = re.match(r"==== START logs for container (\S+) of pod (\S+)/(\S+) ====$", line)
                if m:
                    cur = (m.group(2), m.group(3), m.group(1))
                    if (m.group(2), m.group(3)) != (ns, podn):
                        errors.append("%s: section names %s/%s" % (rel, m.group(2), m.group(3)))
                    logs[cur] = []
                    continue
                if re.match(r"==== END logs for container (\S+) of pod (\S+)/(\S+) ====$", line):
                    cur = None
                    continue
                if cur:
                    logs[cur].append(line)
        elif p.endswith(".log"):
            parts = os.path.relpath(p, root).split(os.sep)
            c = parts[3][:-len(".previous.log")] if parts[3].endswith(".previous.log") else parts[3][:-4]
            logs[(parts[1], parts[2], c + (" (previous)" if parts[3].endswith(".previous.log") else ""))] = \
                text.splitlines()
    return objs, logs, errors


def uniq(objs):
    seen, out = set(), []
    for o in objs:
        key = (o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"])
        if key in seen:
            continue
        seen.add(key)
        out.append(o)
    return out


def cond(o, t):
    for c in o.get("status", {}).get("conditions", []) or []:
        if c.get("type") == t:
            return c
    return None


def ready(p):
    c = cond(p, "Ready")
    return bool(c and c.get("status") == "True")


CNI_AGENTS = ("calico-node", "kube-flannel-ds", "calico-kube-controllers", "calico-typha")


def reference_findings(objs, logs):
    """DESIGN.md's definitions, read plainly. Returns {id: [subjects]} for critical/warning findings."""
    f = {}
    add = lambda i, s: f.setdefault(i, []).append(s)
    pods = [o for o in objs if o["kind"] == "Pod"]
    nodes = [o for o in objs if o["kind"] == "Node"]
    svcs = [o for o in objs if o["kind"] == "Service"]
    events = [o for o in objs if o["kind"] == "Event"]
    dss = [o for o in objs if o["kind"] == "DaemonSet"]
    pid = lambda p: "%s/%s" % (p["metadata"]["namespace"], p["metadata"]["name"])

    def is_agent(p):
        own = [r["name"] for r in p["metadata"].get("ownerReferences", [])]
        n = p["metadata"]["name"]
        return any(n.startswith(a + "-") for a in CNI_AGENTS) or any(o in CNI_AGENTS for o in own) or \
            any(o.startswith(a + "-") for o in own for a in CNI_AGENTS)

    agents = [p for p in pods if is_agent(p)]
    # CNI detection
    kinds = {o["kind"] for o in objs}
    cni = None
    if any(d["metadata"]["name"] in ("calico-node", "kube-flannel-ds") for d in dss) or agents or \
            kinds & {"IPPool", "Installation"}:
        cni = "flannel" if any("flannel" in (p["metadata"]["name"]) for p in agents) or \
            any(d["metadata"]["name"] == "kube-flannel-ds" for d in dss) else "calico"
    if cni is None and (pods or dss):
        add("cni-not-detected", "cluster")
    if cni == "flannel" and any(o["kind"] == "NetworkPolicy" for o in objs):
        add("cni-policy-not-enforced", "cluster")
    for p in pods:
        st = p.get("status", {})
        cs = st.get("containerStatuses", []) or []
        ics = st.get("initContainerStatuses", []) or []
        if st.get("phase") == "Pending":
            add("pod-pending", pid(p))
            for e in events:
                io = e.get("involvedObject") or e.get("regarding") or {}
                msg = e.get("message") or e.get("note") or ""
                if io.get("name") == p["metadata"]["name"] and e.get("reason") == "FailedCreatePodSandBox" and \
                        ("network" in msg or "plugin type" in msg):
                    add("pod-sandbox-network-failed", pid(p))
                    break
        for s in cs + ics:
            w = s.get("state", {}).get("waiting", {})
            if w.get("reason") == "CrashLoopBackOff":
                add("container-crashloop", pid(p) + ":" + s["name"])
            last = s.get("lastState", {}).get("terminated", {})
            if last.get("reason") == "OOMKilled" and st.get("phase") == "Running":
                add("container-oomkilled", pid(p) + ":" + s["name"])
        for s in cs:
            t = s.get("state", {}).get("terminated", {})
            if t and t.get("reason") == "Completed" and st.get("phase") == "Running":
                add("container-exited-pod-running", pid(p) + ":" + s["name"])
    for p in agents:
        cs = p.get("status", {}).get("containerStatuses", []) or []
        if not ready(p) or any(s.get("restartCount", 0) > 0 for s in cs):
            add("cni-pod-unhealthy", pid(p))
    for n in nodes:
        r = cond(n, "Ready")
        nu = cond(n, "NetworkUnavailable")
        if (nu and nu.get("status") == "True") or (r and r.get("status") != "True" and
                                                   "network" in (r.get("message") or "").lower()):
            add("node-network-unavailable", n["metadata"]["name"])
    for s in svcs:
        sel = s["spec"].get("selector")
        if not sel:
            continue
        ns = s["metadata"]["namespace"]
        match = [p for p in pods if p["metadata"].get("namespace") == ns and
                 all((p["metadata"].get("labels") or {}).get(k) == v for k, v in sel.items())]
        if not any(ready(p) for p in match):
            add("service-no-endpoints", "%s/%s" % (ns, s["metadata"]["name"]))
            continue
        for sp in s["spec"].get("ports", []):
            tp = sp.get("targetPort", sp["port"])
            for p in match:
                ports = [cp for c in p["spec"]["containers"] for cp in c.get("ports", [])]
                if not ports:
                    continue
                ok = any((cp.get("name") == tp) if isinstance(tp, str) else (cp["containerPort"] == tp)
                         for cp in ports if cp.get("protocol", "TCP") == sp.get("protocol", "TCP"))
                if not ok:
                    add("service-target-port-mismatch", "%s/%s:%s" % (ns, s["metadata"]["name"], tp))
                    break
    return f


def check_refs(objs, logs, errors, name):
    by_uid = {o["metadata"].get("uid"): o for o in objs if o["metadata"].get("uid")}
    nodes = {o["metadata"]["name"] for o in objs if o["kind"] == "Node"}
    pods = {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in objs if o["kind"] == "Pod"}
    kinds_present = {o["kind"] for o in objs}
    ips = {}
    for o in objs:
        for r in o["metadata"].get("ownerReferences", []) or []:
            tgt = by_uid.get(r["uid"])
            if tgt is None:
                if r["kind"] in kinds_present and r["kind"] not in ("CronJob",):
                    errors.append("%s: %s %s owner %s/%s not found" % (name, o["kind"], o["metadata"]["name"],
                                                                      r["kind"], r["name"]))
            elif tgt["metadata"]["name"] != r["name"] or tgt["kind"] != r["kind"]:
                errors.append("%s: %s owner ref mismatch" % (name, o["metadata"]["name"]))
        if o["kind"] == "Pod":
            n = o["spec"].get("nodeName")
            if n and nodes and n not in nodes:
                errors.append("%s: pod %s on unknown node %s" % (name, o["metadata"]["name"], n))
            ip = o.get("status", {}).get("podIP")
            if ip and not o["spec"].get("hostNetwork"):
                if ip in ips and ips[ip] != o["metadata"]["name"]:
                    errors.append("%s: pod IP %s used twice (%s, %s)" % (name, ip, ips[ip], o["metadata"]["name"]))
                ips[ip] = o["metadata"]["name"]
    for (ns, pn, c) in logs:
        if (ns, pn) not in pods:
            errors.append("%s: logs for unknown pod %s/%s" % (name, ns, pn))
            continue
        cname = c.replace(" (previous)", "")
        p = pods[(ns, pn)]
        names = [x["name"] for x in p["spec"]["containers"] + p["spec"].get("initContainers", [])]
        if cname not in names:
            errors.append("%s: logs for unknown container %s of %s/%s" % (name, cname, ns, pn))


def main(argv):
    argv = [a for a in argv if a != "-v"]
    names = argv or sorted(f[:-len(".expect.json")] for f in os.listdir(EXAMPLES) if f.endswith(".expect.json"))
    bad = 0
    for name in names:
        root = os.path.join(EXAMPLES, name)
        if not os.path.exists(root) and os.path.exists(root + ".json"):
            root += ".json"
        exp = json.load(open(os.path.join(EXAMPLES, name + ".expect.json")))
        objs, logs, errors = read_snapshot(root)
        objs = uniq(objs)
        check_refs(objs, logs, errors, name)
        got = reference_findings(objs, logs)
        for i in exp["must"]:
            if i not in got:
                errors.append("%s: reference reading does not find must id %s" % (name, i))
        for i in exp["must_not"]:
            if i in got:
                errors.append("%s: reference reading finds must_not id %s: %s" % (name, i, got[i]))
        for i in got:
            if i not in exp["must"]:
                errors.append("%s: reference reading finds unexpected %s: %s" % (name, i, got[i]))
        print("%-32s %4d objects %3d log sections  %s" % (name, len(objs), len(logs),
                                                          "ok" if not errors else "%d problem(s)" % len(errors)))
        if "-v" in sys.argv:
            for i, subj in sorted(got.items()):
                print("    %-30s %s" % (i, ", ".join(subj)))
        for e in errors:
            print("   ", e)
        bad += bool(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
