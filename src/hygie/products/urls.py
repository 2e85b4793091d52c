from django.urls import path

from hygie.products import views

app_name = "products"

urlpatterns = [
    path("", views.product_list, name="list"),
    path("new/", views.product_new, name="new"),
    path("<int:product_id>/", views.product_edit, name="edit"),
    path("<int:product_id>/remove/", views.product_remove, name="remove"),
]
