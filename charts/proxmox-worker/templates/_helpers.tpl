{{- define "proxmox-worker.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "proxmox-worker.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Whether the kubelet may set a label on its own node (the NodeRestriction rules): keys outside the kubernetes.io and
k8s.io namespaces, the node.kubernetes.io and kubelet.kubernetes.io prefixes, and the well-known topology and
instance-type keys.
*/}}
{{- define "proxmox-worker.kubeletMaySet" -}}
{{- $prefix := "" -}}
{{- if contains "/" . -}}{{- $prefix = index (splitList "/" .) 0 -}}{{- end -}}
{{- $restricted := or (eq $prefix "kubernetes.io") (eq $prefix "k8s.io") (hasSuffix ".kubernetes.io" $prefix) (hasSuffix ".k8s.io" $prefix) -}}
{{- $allowedPrefix := or (eq $prefix "node.kubernetes.io") (eq $prefix "kubelet.kubernetes.io") (hasSuffix ".node.kubernetes.io" $prefix) (hasSuffix ".kubelet.kubernetes.io" $prefix) -}}
{{- $wellKnown := has . (list "kubernetes.io/hostname" "kubernetes.io/arch" "kubernetes.io/os" "topology.kubernetes.io/region" "topology.kubernetes.io/zone" "beta.kubernetes.io/instance-type" "failure-domain.beta.kubernetes.io/region" "failure-domain.beta.kubernetes.io/zone" "beta.kubernetes.io/arch" "beta.kubernetes.io/os") -}}
{{- if or (not $restricted) $allowedPrefix $wellKnown -}}true{{- end -}}
{{- end -}}

{{- define "proxmox-worker.kubeletLabels" -}}
{{- $out := list -}}
{{- range $key, $value := .Values.nodeLabels -}}
{{- if include "proxmox-worker.kubeletMaySet" $key -}}{{- $out = append $out (printf "%s=%s" $key $value) -}}{{- end -}}
{{- end -}}
{{- join "," $out -}}
{{- end -}}

{{- define "proxmox-worker.apiLabels" -}}
{{- $out := dict -}}
{{- range $key, $value := .Values.nodeLabels -}}
{{- if not (include "proxmox-worker.kubeletMaySet" $key) -}}{{- $_ := set $out $key $value -}}{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{- define "proxmox-worker.taints" -}}
{{- $out := list -}}
{{- range .Values.taints -}}
{{- if .value -}}{{- $out = append $out (printf "%s=%s:%s" .key .value .effect) -}}{{- else -}}{{- $out = append $out (printf "%s:%s" .key .effect) -}}{{- end -}}
{{- end -}}
{{- join "," $out -}}
{{- end -}}
