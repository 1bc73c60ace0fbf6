from ninja import Router

router = Router(tags=["core"])


@router.get("/health", auth=None)
def health(request):
    return {"status": "ok"}
