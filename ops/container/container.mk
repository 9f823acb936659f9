# Container targets (docs/containers.md), included from the Makefile. Podman on Debian, no Docker engine needed:
# ops/container/podman.sh installs podman, runc, mmdebstrap and podman-compose on first use (root, apt, PyPI).
CONTAINER := ops/container/podman.sh

.PHONY: image container-images compose-up compose-down compose-ps compose-smoke container-ci-smoke

image:  ## the product image, localhost/pagero:latest
	$(CONTAINER) install
	$(CONTAINER) image

container-images:  ## the product image and the local service images
	$(CONTAINER) install
	$(CONTAINER) images

compose-up: container-images  ## the whole stack; web on 127.0.0.1:$${WEB_PORT:-18000}
	$(CONTAINER) up

compose-down:  ## stop and remove the stack's containers; the named volumes stay
	$(CONTAINER) down

compose-ps:
	$(CONTAINER) compose ps

# Builds (cold and warm), starts the stack, submits documents, kills a worker, checks Prometheus, stops the stack.
compose-smoke: venv
	$(CONTAINER) install
	$(PY) ops/container/smoke.py $(SMOKE_ARGS)

container-ci-smoke:
	ops/container/ci-smoke.sh
