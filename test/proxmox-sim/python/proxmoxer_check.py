"""Drives the simulator with Debian's python3-proxmoxer (https backend, CA-verified TLS): ticket and token
authentication, reads, a write with the CSRF token, a clone task followed to its end, an ISO upload (proxmoxer sends a
file as multipart/form-data in the "filename" part) and its deletion. Prints one JSON object."""
import json
import os
import sys
import tempfile
import time

from proxmoxer import ProxmoxAPI

host, port, ca_file, password, token_user, token_name, token_value = sys.argv[1:8]

ticket = ProxmoxAPI(host, port=port, user="root@pam", password=password, verify_ssl=ca_file, backend="https")
token = ProxmoxAPI(host, port=port, user=token_user, token_name=token_name, token_value=token_value, verify_ssl=ca_file, backend="https")

out = {}
out["version"] = ticket.version.get()["version"]
out["nodes"] = [n["node"] for n in ticket.nodes.get()]
ticket.nodes("pve1").qemu(9000).config.get()
upid = token.nodes("pve1").qemu(9000).clone.post(newid=301, name="from-proxmoxer", full=1)
while True:
    status = token.nodes("pve1").tasks(upid).status.get()
    if status["status"] == "stopped":
        break
    time.sleep(0.05)
out["clone_exitstatus"] = status["exitstatus"]
ticket.nodes("pve1").qemu(301).config.put(cores=3, description="set with a ticket and CSRF token")
out["cores"] = token.nodes("pve1").qemu(301).config.get()["cores"]
out["token_templates"] = sorted(v["vmid"] for v in token.nodes("pve1").qemu.get() if v.get("template") == 1)

def wait(upid):
    while True:
        status = token.nodes("pve1").tasks(upid).status.get()
        if status["status"] == "stopped":
            return status["exitstatus"]
        time.sleep(0.05)


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "proxmoxer-seed.iso")
    with open(path, "wb") as f:
        f.write(b"\0" * 32768 + b"\x01CD001")
    with open(path, "rb") as f:
        out["upload_exitstatus"] = wait(token.nodes("pve1").storage("local").upload.post(content="iso", filename=f))
listed = [v for v in token.nodes("pve1").storage("local").content.get(content="iso") if v["volid"] == "local:iso/proxmoxer-seed.iso"]
out["uploaded_size"] = listed[0]["size"] if listed else None
out["delete_exitstatus"] = wait(token.nodes("pve1").storage("local").content("local:iso/proxmoxer-seed.iso").delete())
try:
    token.nodes("pve1").qemu(4242).config.get()
    out["missing_vm_error"] = None
except Exception as err:  # proxmoxer raises ResourceException with the status line
    out["missing_vm_error"] = str(err)
print(json.dumps(out))
