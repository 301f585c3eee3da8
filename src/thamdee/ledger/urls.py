from django.urls import path

from thamdee.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.passbook, name="passbook"),
    path("statement.pdf", views.statement_pdf, name="statement_pdf"),
    path("member/<uuid:public_id>/", views.member_passbook, name="member_passbook"),
    path("entry/<uuid:ref>/", views.entry, name="entry"),
    path("gift/", views.gift, name="gift"),
    path("donate/", views.donate, name="donate"),
    path("allotments/", views.allotments, name="allotments"),
    path("allotments/<uuid:public_id>/top-up/", views.top_up, name="top_up"),
    path("allotments/budget/<uuid:public_id>/", views.budget_set, name="budget_set"),
]
