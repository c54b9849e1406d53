# The layering of the project (docs/architecture.md): for each folder under src/, the
# folders it may use. This table is the single source of truth for the build
# (cmake/layers.cmake) and for the direct-include check (cmake/check_layering.cmake).
set(HFSERVE_LAYERS util telemetry hub tensor kernels formats models engine tokenizer chat
                   pipelines server)
set(HFSERVE_LAYER_USES_util "")
set(HFSERVE_LAYER_USES_telemetry util)
set(HFSERVE_LAYER_USES_hub util telemetry)
set(HFSERVE_LAYER_USES_tensor util)
set(HFSERVE_LAYER_USES_kernels util tensor)
set(HFSERVE_LAYER_USES_formats util tensor)
set(HFSERVE_LAYER_USES_models util tensor formats)
set(HFSERVE_LAYER_USES_engine util tensor models telemetry)
set(HFSERVE_LAYER_USES_tokenizer util)
set(HFSERVE_LAYER_USES_chat util)
set(HFSERVE_LAYER_USES_pipelines engine models formats hub tokenizer chat telemetry util tensor)
set(HFSERVE_LAYER_USES_server pipelines telemetry util)
