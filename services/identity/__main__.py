from services.identity.service import definition
from shared.service import main

main(definition())
