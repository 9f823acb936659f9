from django.urls import path

from . import api, api_orders

urlpatterns = [
    path("documents", api.DocumentsView.as_view(), name="api-documents"),
    path("documents/<uuid:document_id>", api.DocumentDetailView.as_view(), name="api-document"),
    path("documents/<uuid:document_id>/content", api.DocumentContentView.as_view(), name="api-document-content"),
    path(
        "documents/<uuid:document_id>/response", api_orders.OrderResponseView.as_view(), name="api-order-response"
    ),
    path("inbox", api.InboxView.as_view(), name="api-inbox"),
    path("directory", api.DirectoryView.as_view(), name="api-directory"),
    path("inbox/<uuid:document_id>/ack", api.InboxAckView.as_view(), name="api-inbox-ack"),
]
