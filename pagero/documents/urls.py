from django.urls import path

from . import api, api_orders

urlpatterns = [
    path("documents", api.DocumentsView.as_view(), name="api-documents"),
    path("documents/<uuid:document_id>", api.DocumentDetailView.as_view(), name="api-document"),
    path("documents/<uuid:document_id>/content", api.DocumentContentView.as_view(), name="api-document-content"),
    path("documents/<uuid:document_id>/response", api_orders.OrderResponseView.as_view(), name="api-order-response"),
    path("documents/<uuid:document_id>/read", api.ReadView.as_view(), name="api-document-read"),
    path("documents/<uuid:document_id>/approve", api.ApproveView.as_view(), name="api-document-approve"),
    path("documents/<uuid:document_id>/dispute", api.DisputeView.as_view(), name="api-document-dispute"),
    path("documents/<uuid:document_id>/confirm-resend", api.ConfirmResendView.as_view(), name="api-confirm-resend"),
    path("inbox", api.InboxView.as_view(), name="api-inbox"),
    path("directory", api.DirectoryView.as_view(), name="api-directory"),
    path("inbox/<uuid:document_id>/ack", api.InboxAckView.as_view(), name="api-inbox-ack"),
]
