from django.contrib.postgres.fields import ArrayField
from django.db import models

from people.models import Person


class Item(models.Model):
    sku = models.CharField(max_length=12, unique=True)
    weight = models.FloatField()
    count = models.BigIntegerField(default=0)
    small = models.SmallIntegerField(null=True)
    active = models.BooleanField(default=True)
    maybe = models.BooleanField(null=True)
    blob = models.BinaryField(null=True)
    shelf_life = models.DurationField(null=True)
    labels = ArrayField(models.CharField(max_length=10), default=list)
    owner = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, related_name="items")
    buddies = models.ManyToManyField(Person, related_name="watched")

    class Meta:
        db_table = "inventory_items"


class Loan(models.Model):
    item = models.OneToOneField(Item, on_delete=models.CASCADE, primary_key=True)
    borrower = models.ForeignKey(Person, on_delete=models.PROTECT, db_column="who")
    members = models.ManyToManyField(Person, through="Membership", related_name="loans")


class Membership(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    note = models.TextField(blank=True)


class Legacy(models.Model):
    x = models.IntegerField()

    class Meta:
        managed = False
        db_table = "legacy_view"
